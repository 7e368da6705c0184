"""Who may read the figures and who may manage the reports."""

from __future__ import annotations

from portal.orgs.models import Role
from portal.permissions import is_admin, rule


@rule("statistics.read")
def _read(user, obj=None) -> bool:
    return user.has_role(Role.ADMIN, Role.OBSERVER)


@rule("statistics.manage")
def _manage(user, obj=None) -> bool:
    return is_admin(user)
