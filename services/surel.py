"""E-mail through SMTP, when an ``[smtp]`` section is configured.

The configuration comes from the environment (``SIGAP_SMTP_HOST``, ``SIGAP_SMTP_PORT``,
``SIGAP_SMTP_FROM``, ``SIGAP_SMTP_USER``, ``SIGAP_SMTP_PASSWORD``, ``SIGAP_SMTP_STARTTLS``) or,
when ``SIGAP_SMTP_HOST`` is not set, from ``[smtp]`` in ``.streamlit/secrets.toml``
(``host``, ``port``, ``from``, ``username``, ``password``, ``starttls``). Without a host nothing is
sent. Mails never carry report text: only the kind, office, number and a pointer to SIGAP.
"""

from __future__ import annotations

import os
import smtplib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from settings import ROOT

__all__ = ["SECRETS_FILE", "SmtpConfig", "load_smtp_config", "send_mail"]

SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
_TRUE = {"1", "true", "ya", "yes", "on"}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send mail (``password`` is never printed)."""

    host: str
    port: int = 25
    sender: str = "sigap@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    def __repr__(self) -> str:
        return f"SmtpConfig(host={self.host!r}, port={self.port}, sender={self.sender!r}, starttls={self.starttls})"


def load_smtp_config(env: Mapping[str, str] | None = None, secrets_file: Path = SECRETS_FILE) -> SmtpConfig | None:
    """The SMTP settings from the environment or ``secrets.toml``; None when no host is set.

    Raises
    ------
    ValueError
        The port is not a number, or the secrets file is not valid TOML.
    """
    env = os.environ if env is None else env
    if env.get("SIGAP_SMTP_HOST"):
        section = {"host": env["SIGAP_SMTP_HOST"], "port": env.get("SIGAP_SMTP_PORT", "25"),
                   "from": env.get("SIGAP_SMTP_FROM"), "username": env.get("SIGAP_SMTP_USER"),
                   "password": env.get("SIGAP_SMTP_PASSWORD"), "starttls": env.get("SIGAP_SMTP_STARTTLS", "")}
    else:
        section = _secrets_section(Path(secrets_file))
        if not section.get("host"):
            return None
    try:
        port = int(section.get("port") or 25)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"port SMTP tidak sah: {section.get('port')!r} (isi angka, mis. 587)") from exc
    return SmtpConfig(host=str(section["host"]), port=port, sender=str(section.get("from") or "sigap@localhost"),
                      username=section.get("username") or None, password=section.get("password") or None,
                      starttls=str(section.get("starttls", "")).strip().lower() in _TRUE)


def _secrets_section(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("smtp", {}))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} bukan TOML yang sah: {exc}") from exc


def send_mail(config: SmtpConfig, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text mail to ``to`` (each address a recipient); return how many.

    Raises
    ------
    OSError, smtplib.SMTPException
        The server cannot be reached or refuses the mail.
    """
    if not to:
        return 0
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls:
            smtp.starttls()
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(message)
    return len(to)
