"""The layers hold: import-linter's contracts pass on the code and fail on a planted upward
import; SQL lives only in the store; no sign-in switch in production code."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ["settings", "lang", "geo", "analysis", "auth", "store", "ingest", "maps", "reports", "services", "sigap", "pages"]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(cwd / "pyproject.toml"), "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_the_layers_contract_holds():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize("low, high", [("store", "services"), ("geo", "store"), ("analysis", "pages"),
                                       ("ingest", "sigap"), ("settings", "auth")])
def test_a_planted_upward_import_breaks_the_contract(tmp_path, low, high):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.sql"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / low / "_ditanam.py").write_text(f"import {high}  # planted by the test\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert f"{low} is not allowed to import {high}" in result.stdout


def _grep(pattern: str, *paths: str) -> list[str]:
    found = subprocess.run(["git", "grep", "-nE", pattern, "--", *paths], cwd=ROOT, capture_output=True, text=True)
    return found.stdout.splitlines()


def test_sql_lives_only_in_the_store():
    outside = _grep(r'"(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP) |\.execute\(|\.sql\(',
                    "*.py", ":!store/**", ":!tests/**", ":!bench/**")
    assert outside == []


def test_no_sign_in_switch_or_test_pause_in_production_code():
    assert _grep("SIGAP_AUTH|SIGAP_UJI", "*.py", ":!tests/**") == []
