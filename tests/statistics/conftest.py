"""A hand-counted month of March 2026 (Asia/Shanghai) for the statistics.

Disputes (village, tier, status) registered in March:
  d1 V1 t1 closed, not referred (reported 01:00 on 1 March local: 28 Feb in UTC)
  d2 V1 t1 handling
  d3 V2 t2 referred to litigation
  d4 V2 t2 resolved
  d5 V1 t3 closed, not referred; escalated 2 March; conferences c1 (5 March, minutes
     issued 7 March 12:00) and the follow-up c4 (20 March, no minutes)
  d6 V2 t3 closed, then reopened (now escalated); escalated 3 March; c2 held 10 March
     (minutes 11 March), c3 opened 8 March and then cancelled
Outside March: d7 (1 April 00:00 local) and d8 (28 February 23:00 local).

Invitations (c1 sent 3 March, c2 sent 4 March; c4 sent in February):
  c1: court accepted +2 h; bureau delegated +4 h, its delegate accepted +10 h; police
      accepted +6 h; natural resources accepted +1 h; labour declined +3 h
  c2: court accepted +8 h; bureau accepted +2 h; police no answer; labour tentative +1 h,
      then accepted +5 h
  c3 (cancelled): every body accepted; c4: the three heads accepted

Action items (today is 10 April): c1 natural resources due 15 March open (overdue) and
due 30 March done; bureau due 20 March in progress (overdue) and due 30 April (not in
March); c2 the village committee (no organisation) not done by the owner, labour not done
as circumstances changed; an agreement obligation of c2 (not an action item).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.conferences.models import (
    Answer,
    AnswerChange,
    Conference,
    ConferenceState,
    Invitation,
    InviteeGroup,
)
from portal.disputes.models import Category, Referral, Status
from portal.extensions import db
from portal.followup.models import Task, TaskKind, TaskState
from portal.minutes.models import MinutesVersion, VersionStatus
from portal.orgs.models import OrgKind, Role
from portal.statistics.models import StatisticsVersion
from portal.statistics.queries import Filters

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31), zone=SHANGHAI)
TODAY = date(2026, 4, 10)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class World:
    villages: tuple
    disputes: dict
    conferences: dict
    bodies: dict


@pytest.fixture(params=["summaries", "registers"])
def counted_from(request, ctx) -> str:
    """Every figure is checked twice: from the summaries the writers keep (the version
    row the migration makes, trusted for every zone, exists before the first write)
    and from the registers themselves (no trusted summaries)."""
    db.session.execute(sa.delete(StatisticsVersion))
    if request.param == "summaries":
        db.session.add(StatisticsVersion(id=1, token=uuid.uuid4().hex, n=0,
                                         summary_zone="UTC"))
        db.session.commit()
    return request.param


@pytest.fixture
def world(make, nancheng, counted_from) -> World:
    bodies, people = nancheng
    v1 = make.village(name="米山村")
    v2 = make.village(name="北关社区")
    reporter = make.user(Role.GRID_WORKER)
    spec = {
        "d1": (v1, 1, Category.NEIGHBOUR, Status.CLOSED, None, utc(2026, 2, 28, 17)),
        "d2": (v1, 1, Category.NEIGHBOUR, Status.HANDLING, None, utc(2026, 3, 4)),
        "d3": (v2, 2, Category.DEBT_CONTRACT, Status.REFERRED, Referral.LITIGATION,
               utc(2026, 3, 5)),
        "d4": (v2, 2, Category.DEBT_CONTRACT, Status.RESOLVED, None, utc(2026, 3, 6)),
        "d5": (v1, 3, Category.LAND_FOREST, Status.CLOSED, None, utc(2026, 3, 1)),
        "d6": (v2, 3, Category.LABOUR_WAGES, Status.ESCALATED, None, utc(2026, 3, 2)),
        "d7": (v1, 1, Category.NEIGHBOUR, Status.CLOSED, None, utc(2026, 3, 31, 16)),
        "d8": (v2, 1, Category.OTHER, Status.REPORTED, None, utc(2026, 2, 28, 15)),
    }
    disputes = {}
    for key, (village, tier, category, status, referral, reported) in spec.items():
        dispute = make.dispute(reporter=reporter, village=village, category=category, tier=tier)
        dispute.status, dispute.referral, dispute.reported_at = status, referral, reported
        disputes[key] = dispute
    disputes["d5"].escalated_at = utc(2026, 3, 2)
    disputes["d6"].escalated_at = utc(2026, 3, 3)
    db.session.commit()

    convener = make.user(Role.CONVENER)
    held = ConferenceState.SIGNED

    def conference(dispute, state, started, invited):
        c = Conference(dispute_id=dispute.id, state=state, created_by_id=convener.id,
                       started_at=started, invited_at=invited)
        db.session.add(c)
        db.session.flush()
        return c

    c1 = conference(disputes["d5"], held, utc(2026, 3, 5), utc(2026, 3, 3))
    c2 = conference(disputes["d6"], ConferenceState.MINUTES_SIGNING, utc(2026, 3, 10),
                    utc(2026, 3, 4))
    c3 = conference(disputes["d6"], ConferenceState.CANCELLED, utc(2026, 3, 8), utc(2026, 3, 4))
    c4 = conference(disputes["d5"], ConferenceState.IN_SESSION, utc(2026, 3, 20),
                    utc(2026, 2, 20))

    def invite(c, kind, answers, **values):
        """`answers`: (answer, hours after sending) in the order given."""
        group = InviteeGroup.HEAD if kind.is_head else InviteeGroup.SECTOR
        if "user_id" not in values:
            values["organisation_id"] = bodies[kind].id
        invitation = Invitation(conference_id=c.id, group=group, required=True, **values)
        db.session.add(invitation)
        db.session.flush()
        for answer, hours in answers:
            at = c.invited_at + timedelta(hours=hours)
            invitation.answer, invitation.answered_at = answer, at
            db.session.add(AnswerChange(invitation_id=invitation.id, answer=answer,
                                        by_id=people[kind].id, at=at))
        return invitation

    A, D = Answer.ACCEPTED, Answer.DELEGATED
    K = OrgKind
    invite(c1, K.COURT, [(A, 2)])
    root = invite(c1, K.JUDICIAL_BUREAU, [(D, 4)])
    delegate = make.user(Role.HEAD, organisation=bodies[K.JUDICIAL_BUREAU])
    invite(c1, K.JUDICIAL_BUREAU, [(A, 10)], user_id=delegate.id, delegated_from_id=root.id)
    invite(c1, K.POLICE_STATION, [(A, 6)])
    invite(c1, K.NATURAL_RESOURCES, [(A, 1)])
    invite(c1, K.LABOUR_ARBITRATION, [(Answer.DECLINED, 3)])
    invite(c2, K.COURT, [(A, 8)])
    invite(c2, K.JUDICIAL_BUREAU, [(A, 2)])
    invite(c2, K.POLICE_STATION, [])
    invite(c2, K.LABOUR_ARBITRATION, [(Answer.TENTATIVE, 1), (A, 5)])
    for kind in (K.COURT, K.JUDICIAL_BUREAU, K.POLICE_STATION, K.LABOUR_ARBITRATION):
        invite(c3, kind, [(A, 1)])
    for kind in (K.COURT, K.JUDICIAL_BUREAU, K.POLICE_STATION):
        invite(c4, kind, [(A, 1)])

    def minutes(c, number, status, issued):
        db.session.add(MinutesVersion(conference_id=c.id, number=number, status=status,
                                      snapshot="{}", content_hash="0" * 64,
                                      created_by_id=convener.id, issued_at=issued))

    minutes(c1, 1, VersionStatus.ISSUED, utc(2026, 3, 7, 12))
    minutes(c2, 1, VersionStatus.SUPERSEDED, utc(2026, 3, 11))
    minutes(c2, 2, VersionStatus.ISSUED, utc(2026, 3, 12))

    def task(c, position, owner, due, state, kind=TaskKind.ACTION):
        org = bodies[owner] if isinstance(owner, OrgKind) else None
        db.session.add(Task(
            dispute_id=c.dispute_id, conference_id=c.id, kind=kind, position=position,
            owner_body=org.name if org else owner, organisation_id=org.id if org else None,
            title="回访当事人", due_on=due, state=state))

    T = TaskState
    task(c1, 1, K.NATURAL_RESOURCES, date(2026, 3, 15), T.OPEN)
    task(c1, 2, K.NATURAL_RESOURCES, date(2026, 3, 30), T.DONE)
    task(c1, 3, K.JUDICIAL_BUREAU, date(2026, 3, 20), T.IN_PROGRESS)
    task(c1, 4, K.JUDICIAL_BUREAU, date(2026, 4, 30), T.OPEN)
    task(c2, 1, "北关社区村委会", date(2026, 3, 25), T.NOT_DONE_OWNER)
    task(c2, 2, K.LABOUR_ARBITRATION, date(2026, 3, 28), T.NOT_DONE_CHANGED)
    task(c2, 1, K.COURT, date(2026, 3, 20), T.OPEN, kind=TaskKind.OBLIGATION)
    db.session.commit()
    return World((v1, v2), disputes, {"c1": c1, "c2": c2, "c3": c3, "c4": c4}, bodies)


@pytest.fixture(autouse=True)
def english(ctx):
    """Labels in English (the message ids), whatever the portal's default language."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
