"""What the dispute register writes when a step of its case is taken elsewhere.

The conference room, the minutes and the follow-up report their steps as signals
(``portal.signals``); these receivers, connected in ``portal.wiring``, put them on the
dispute's timeline and move its status, so the dispute is written by its own domain only.
"""

from __future__ import annotations

from portal.disputes import services, timeline
from portal.disputes.models import EventKind


def conference_started(conference, actor) -> None:
    services.enter_conference(actor, conference.dispute)


def minutes_issued(version, actor, conference) -> None:
    timeline.add(conference.dispute, EventKind.MINUTES_ISSUED, actor, version=version.number)


def agreement_took_effect(agreement, actor) -> None:
    timeline.add(agreement.dispute, EventKind.AGREEMENT_EFFECTIVE, actor,
                 number=agreement.number, effective_on=agreement.effective_on.isoformat())
