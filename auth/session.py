"""Session limits, as pure rules: idle 30 minutes, absolute 8 hours (SECURITY.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["ABSOLUTE", "IDLE", "SessionTimes", "expired_reason"]

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=8)


@dataclass(frozen=True)
class SessionTimes:
    """When a session started and when it was last active (UTC, naive)."""

    started: datetime
    last_seen: datetime


def expired_reason(times: SessionTimes, now: datetime, idle: timedelta = IDLE,
                   absolute: timedelta = ABSOLUTE) -> str | None:
    """Why the session has ended (Bahasa Indonesia), or None while it is still valid."""
    if now - times.started >= absolute:
        return f"Sesi berakhir setelah {int(absolute.total_seconds() // 3600)} jam. Silakan masuk lagi."
    if now - times.last_seen >= idle:
        return f"Sesi berakhir karena tidak aktif {int(idle.total_seconds() // 60)} menit. Silakan masuk lagi."
    return None
