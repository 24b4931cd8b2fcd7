"""Who may call what, in one place."""

from rest_framework.permissions import AllowAny, IsAdminUser

# Asking and giving feedback: anyone (throttled).
PUBLIC = [AllowAny]
# Starting an index build: staff only (a session or a DRF token of a staff user).
STAFF = [IsAdminUser]


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)
