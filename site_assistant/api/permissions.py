"""Who may call what, in one place: the API's permission classes, and the rules the
admin's screens ask too (``sees_builds``, ``may_rebuild``)."""

from django.contrib.auth import get_permission_codename
from rest_framework.permissions import AllowAny, BasePermission

from ..models import IndexBuild

# Asking and giving feedback: anyone (throttled).
PUBLIC = [AllowAny]


def _has(user, *actions) -> bool:
    """Active staff with one of ``actions``' permissions on IndexBuild (a superuser has all)."""
    if not (user is not None and user.is_authenticated and user.is_active and user.is_staff):
        return False
    opts = IndexBuild._meta
    return any(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in actions
    )


def sees_builds(user) -> bool:
    """Staff who may see the index builds in the admin (the view or change permission on
    IndexBuild): they read the builds' errors and the questions log's size. A staff
    user the owner gave no rights in the app (an editor of other models) does not."""
    return _has(user, "view", "change")


def may_rebuild(user) -> bool:
    """Staff who may start an index build: the change permission on index builds
    ("Can change index build"; a superuser has it). Nobody edits a build's row, so that
    permission means this one thing. The admin's **Rebuild index now** (the button and
    the view it posts to) and ``POST /api/index/rebuild/`` all ask this; a helper given
    only the view permission sees the builds and their progress, never the button."""
    return _has(user, "change")


class MayRebuild(BasePermission):
    message = "You do not have permission to rebuild the search index."

    def has_permission(self, request, view):
        return may_rebuild(getattr(request, "user", None))


# Starting an index build: staff with the change permission on index builds (a session
# or a DRF token).
REBUILDERS = [MayRebuild]


def unread_authorization(request, authenticators) -> str | None:
    """Why an ``Authorization`` header did not sign the caller in, when its scheme is none
    the configured authentication classes read (``Bearer …`` where DRF's
    ``TokenAuthentication`` reads ``Token …``): such a header is passed over, and the
    caller taken as anonymous. None when there is no such header, or no class names a
    scheme to send instead."""
    sent = request.META.get("HTTP_AUTHORIZATION", "").split()
    schemes = [
        header.split()[0]
        for header in (
            authenticator.authenticate_header(request) for authenticator in authenticators
        )
        if header
    ]
    if not sent or not schemes or sent[0].lower() in {scheme.lower() for scheme in schemes}:
        return None
    wanted = " or ".join(f'"Authorization: {scheme} …"' for scheme in schemes)
    return (
        f'The Authorization header\'s scheme "{sent[0][:20]}" is not one this site reads, '
        f"so the request was taken as anonymous: send {wanted}."
    )
