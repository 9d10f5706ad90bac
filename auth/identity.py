"""Who a user is, as every layer sees it: the signed-in ``User`` and the ``Scope`` it reads within.

Pure values, no storage: the store filters by a ``Scope``, the application layer checks a
``User``'s role and region (:mod:`auth.roles`), pages hold the ``User`` in the session.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CLEARANCE_LEVELS", "Scope", "User"]

CLEARANCE_LEVELS = {"Biasa": 0, "Terbatas": 1, "Rahasia": 2}


@dataclass(frozen=True)
class Scope:
    """What a user may see: a region (None = national) and a clearance level.

    ``region`` is a Kemendagri code: ``"63"`` (a province) or ``"63.72"`` (a kabupaten/kota).
    """

    region: str | None = None
    clearance: str = "Terbatas"

    def __post_init__(self):
        if self.region is not None and len(self.region) not in (2, 5):
            raise ValueError(f"kode wilayah cakupan tidak sah: {self.region!r} (contoh: '63' atau '63.72')")
        if self.clearance not in CLEARANCE_LEVELS:
            raise ValueError(
                f"tingkat izin tidak dikenal: {self.clearance!r} (pilihan: {', '.join(CLEARANCE_LEVELS)})"
            )


@dataclass(frozen=True)
class User:
    """A signed-in user as the app sees them (no secrets)."""

    username: str
    role: str
    region: str | None
    clearance: str
    must_change_password: bool = False

    @property
    def scope(self) -> Scope:
        """The region and clearance every incident query of this user applies."""
        return Scope(region=self.region, clearance=self.clearance)
