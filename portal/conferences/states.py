"""The life of a conference: the one table of its states and the moves between them.

Every change of ``Conference.state`` goes through ``move``, whichever domain's step causes
it (the session in conferences, signing and issuing in minutes), so the table says all a
conference can go through.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.conferences.models import Conference, ConferenceState
from portal.errors import DomainError

S = ConferenceState
OPEN_STATES = frozenset(S) - {S.SIGNED, S.CANCELLED}
ANSWERABLE = frozenset({S.INVITING, S.SCHEDULED})
# action -> (states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[ConferenceState], ConferenceState]] = {
    "send": (frozenset({S.DRAFT}), S.INVITING),
    "schedule": (frozenset({S.INVITING, S.SCHEDULED}), S.SCHEDULED),
    "start": (frozenset({S.SCHEDULED}), S.IN_SESSION),
    "end": (frozenset({S.IN_SESSION}), S.MINUTES_DRAFTING),
    "open_signing": (frozenset({S.MINUTES_DRAFTING}), S.MINUTES_SIGNING),
    # An amendment is signed and issued while the conference stays signed.
    "issue_minutes": (frozenset({S.MINUTES_SIGNING, S.SIGNED}), S.SIGNED),
    "cancel": (OPEN_STATES, S.CANCELLED),
}


def check(conference: Conference, action: str) -> None:
    if conference.state not in TRANSITIONS[action][0]:
        raise DomainError(_("This cannot be done while the conference is “%(state)s”.",
                            state=conference.state.label))


def move(conference: Conference, action: str) -> ConferenceState:
    """Take the move after checking it may be taken now; returns the state it left."""
    check(conference, action)
    before = conference.state
    conference.state = TRANSITIONS[action][1]
    return before
