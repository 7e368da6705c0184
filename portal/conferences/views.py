"""Conference room pages."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from portal.conferences.models import Conference, Invitee, InviteeGroup
from portal.extensions import db
from portal.permissions import can

bp = Blueprint("conferences", __name__, url_prefix="/conferences")


@bp.route("/<int:ident>")
@login_required
def detail(ident):
    conference = db.session.scalar(
        sa.select(Conference).where(Conference.id == ident).options(
            joinedload(Conference.dispute),
            selectinload(Conference.invitees).joinedload(Invitee.organisation),
            selectinload(Conference.invitees).joinedload(Invitee.user)))
    if conference is None or not can(current_user, "conference.view", conference):
        abort(404)
    groups = {group: [i for i in conference.invitees if i.group is group]
              for group in InviteeGroup}
    return render_template("conferences/detail.html", conference=conference, groups=groups)
