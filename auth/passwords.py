"""Password hashing (argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_LENGTH", "PolicyError", "check_policy", "hash_password", "one_time_password", "verify_password"]

MIN_LENGTH = 10
_HASHER = PasswordHasher()


class PolicyError(ValueError):
    """A new password does not meet the policy; the message says what is missing."""


def check_policy(password: str, username: str = "") -> None:
    """Raise :class:`PolicyError` unless ``password`` has ≥ 10 characters, a letter and a digit,
    and does not contain the username."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"minimal {MIN_LENGTH} karakter")
    if not any(c.isalpha() for c in password):
        problems.append("memuat huruf")
    if not any(c.isdigit() for c in password):
        problems.append("memuat angka")
    if username and username.lower() in password.lower():
        problems.append("tidak memuat nama pengguna")
    if problems:
        raise PolicyError("Kata sandi harus " + ", ".join(problems) + ".")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash`` (never raises on a bad password)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    """A random 14-character password that meets the policy (to be changed at first sign-in)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
