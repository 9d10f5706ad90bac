"""IPK profiles: dimensions, indicators, weights and reference values, read from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["Dimension", "Indicator", "Profile", "ProfileError", "load_profile", "parse_profile"]

CLASS_SCHEMES = ("sd", "tetap")


class ProfileError(ValueError):
    """A profile cannot be used; the message names the key at fault."""


@dataclass(frozen=True)
class Indicator:
    """One indicator: a column of the region table, its weight and the value that scores 100."""

    kode: str
    nama: str
    bobot: float
    rujukan: float
    skala: str = "log"   # "log" for counts, "linear" for indicators that are already scores


@dataclass(frozen=True)
class Dimension:
    """A weighted group of indicators."""

    kode: str
    nama: str
    bobot: float
    indikator: tuple[Indicator, ...]


@dataclass(frozen=True)
class Profile:
    """A whole index definition."""

    nama: str
    dimensi: tuple[Dimension, ...]
    skema_kelas: str = "sd"
    batas: tuple[float, float] = (33.3, 66.7)
    keterangan: str = ""

    def with_dimension(self, dimension: Dimension) -> Profile:
        """A copy with one more dimension (e.g. kerentanan from imported official indices)."""
        return replace(self, dimensi=self.dimensi + (dimension,))

    def with_dimension_weights(self, weights: dict[str, float]) -> Profile:
        """A copy with some dimension weights changed (the page's weight editor)."""
        unknown = set(weights) - {d.kode for d in self.dimensi}
        if unknown:
            raise ProfileError(f"dimensi tidak dikenal: {', '.join(sorted(unknown))}")
        return replace(self, dimensi=tuple(replace(d, bobot=float(weights.get(d.kode, d.bobot))) for d in self.dimensi))


def load_profile(path: str | Path) -> Profile:
    """Read a profile file (TOML)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path.name}: TOML tidak sah ({exc})") from exc
    return parse_profile(data, path.name)


def parse_profile(data: dict, source: str = "profil") -> Profile:
    """Build and check a :class:`Profile` from parsed TOML."""
    dims = []
    for i, d in enumerate(data.get("dimensi", [])):
        where = f"{source}: dimensi[{i}]"
        indicators = tuple(
            Indicator(kode=_req(x, "kode", f"{where}.indikator[{j}]"), nama=x.get("nama", x.get("kode", "")),
                      bobot=_weight(x, f"{where}.indikator[{j}]"), rujukan=_positive(x, "rujukan",
                                                                                    f"{where}.indikator[{j}]"),
                      skala=_scale(x, f"{where}.indikator[{j}]"))
            for j, x in enumerate(d.get("indikator", []))
        )
        if not indicators:
            raise ProfileError(f"{where}: tidak punya indikator")
        dims.append(Dimension(kode=_req(d, "kode", where), nama=d.get("nama", d.get("kode", "")),
                              bobot=_weight(d, where), indikator=indicators))
    if not dims:
        raise ProfileError(f"{source}: tidak ada [[dimensi]]")
    if sum(d.bobot for d in dims) <= 0:
        raise ProfileError(f"{source}: jumlah bobot dimensi harus lebih dari 0")
    kelas = data.get("kelas", {})
    skema = kelas.get("skema", "sd")
    if skema not in CLASS_SCHEMES:
        raise ProfileError(f"{source}: kelas.skema {skema!r} tidak dikenal (pilihan: {', '.join(CLASS_SCHEMES)})")
    batas = tuple(float(b) for b in kelas.get("batas", (33.3, 66.7)))
    if len(batas) != 2 or not 0 <= batas[0] < batas[1] <= 100:
        raise ProfileError(f"{source}: kelas.batas harus dua angka naik antara 0 dan 100")
    return Profile(nama=data.get("nama", source), dimensi=tuple(dims), skema_kelas=skema, batas=batas,
                   keterangan=data.get("keterangan", ""))


def _scale(d, where):
    value = d.get("skala", "log")
    if value not in ("log", "linear"):
        raise ProfileError(f"{where}: skala {value!r} tidak dikenal (pilihan: log, linear)")
    return value


def _req(d, key, where):
    if not d.get(key):
        raise ProfileError(f"{where}: '{key}' wajib diisi")
    return str(d[key])


def _weight(d, where):
    value = d.get("bobot", 1.0)
    if not isinstance(value, (int, float)) or value < 0:
        raise ProfileError(f"{where}: bobot harus angka ≥ 0")
    return float(value)


def _positive(d, key, where):
    value = d.get(key)
    if not isinstance(value, (int, float)) or value <= 0:
        raise ProfileError(f"{where}: '{key}' harus angka > 0")
    return float(value)
