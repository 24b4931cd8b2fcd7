"""Who may call what, in one place."""

from django.contrib.auth import get_permission_codename
from rest_framework.permissions import AllowAny, BasePermission

from ..models import IndexBuild

# Asking and giving feedback: anyone (throttled).
PUBLIC = [AllowAny]


def manages_index(user) -> bool:
    """Staff who may see the index builds in the admin (its view or change permission on
    IndexBuild; a superuser has both): the admin's own rule for **Rebuild index now**.
    A staff user the owner gave no rights in the app (an editor of other models) may
    neither start a build nor read the builds' errors and the log's size."""
    if not (user is not None and user.is_authenticated and user.is_staff):
        return False
    opts = IndexBuild._meta
    return any(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


class ManagesIndex(BasePermission):
    message = "You do not have permission to manage the search index."

    def has_permission(self, request, view):
        return manages_index(getattr(request, "user", None))


# Starting an index build: staff with the admin's rights on index builds (a session or
# a DRF token).
STAFF = [ManagesIndex]
