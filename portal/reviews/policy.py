"""Who may see and run a joint review: its members see it (nobody else learns it exists),
its convener and admins run it."""

from __future__ import annotations

from portal.orgs.models import Role
from portal.permissions import is_admin, rule


@rule("review.create")
def _create(user, obj=None) -> bool:
    return user.has_role(Role.ADMIN, Role.CONVENER)


@rule("review.view")
def _view(user, series) -> bool:
    return is_admin(user) or user.id in series.member_ids()


@rule("review.report")
def _report(user, series) -> bool:
    """Report hazard items: every member."""
    return _view(user, series)


@rule("review.run")
def _run(user, series) -> bool:
    """Plan, move and cancel meetings, take attendance and decisions, draw up minutes."""
    return is_admin(user) or user.id == series.convener_id
