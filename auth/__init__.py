"""Sign-in, roles, scope and sessions for SIGAP (no Streamlit)."""

from auth.roles import PermissionDenied, require
from auth.users import AuthError, User

__all__ = ["AuthError", "PermissionDenied", "User", "require"]
