"""Who may manage addresses and doorplates, and who sees and works resident requests."""

from __future__ import annotations

import sqlalchemy as sa

from portal.orgs.models import Role, User, Village
from portal.permissions import rule
from portal.residents.models import ResidentRequest

STAFF = (Role.ADMIN, Role.CONVENER, Role.SECRETARY)
FIELD = (Role.GRID_WORKER, Role.COMMUNITY_POLICE)


def _village_ids(user: User):
    return sa.select(Village.id).where(
        sa.or_(Village.grid_worker_id == user.id, Village.community_police_id == user.id))


def queue_scope(user: User):
    """A WHERE clause limiting requests to those the user may open."""
    if user.has_role(*STAFF):
        return sa.true()
    return sa.or_(ResidentRequest.handler_id == user.id,
                  ResidentRequest.village_id.in_(_village_ids(user)))


def _responsible(user: User, request: ResidentRequest) -> bool:
    village = request.village
    return user.id in (request.handler_id, village.grid_worker_id, village.community_police_id)


@rule("residents.manage")
def _manage(user, obj=None) -> bool:
    return user.has_role(Role.ADMIN)


@rule("resident_request.list")
def _list(user, obj=None) -> bool:
    return user.has_role(*STAFF, *FIELD)


@rule("resident_request.view")
def _view(user, request) -> bool:
    return user.has_role(*STAFF) or _responsible(user, request)


@rule("resident_request.work")
def _work(user, request) -> bool:
    return user.has_role(Role.ADMIN, Role.CONVENER) or (
        user.has_role(*FIELD) and _responsible(user, request))


@rule("resident_request.personal_data")
def _personal_data(user, request) -> bool:
    """The resident asked their own grid worker and police officer to call them back; the
    conveners call instead when first contact is overdue."""
    return user.has_role(Role.ADMIN, Role.CONVENER) or _responsible(user, request)
