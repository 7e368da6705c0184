from datetime import timedelta

import pytest

from portal.conferences import services as conferences
from portal.conferences.models import Answer
from portal.timeutil import utcnow


@pytest.fixture
def closed_session(make, nancheng):
    """A conference whose required invitees accepted, held, and closed: minutes to draft."""
    _, people = nancheng
    conference = make.conference()
    for invitation in conference.invitations:
        if invitation.required:
            conferences.answer(people[invitation.organisation.kind], invitation,
                               Answer.ACCEPTED)
    # Opened a few minutes early, at its confirmed time: the meeting stays where it is.
    starts = utcnow() + timedelta(minutes=10)
    conferences.schedule(conference.convener, conference, starts, starts + timedelta(hours=2),
                         make.room())
    conferences.start(conference.secretary, conference)
    return conference, people
