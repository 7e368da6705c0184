"""The review's background work: the sealed PDF of issued minutes."""

from __future__ import annotations

from portal.extensions import db
from portal.jobs import queue, renders
from portal.minutes import sealing
from portal.reviews import minutes
from portal.reviews.models import ReviewMeeting
from reports import review_minutes as doc


@queue.handler("reviews.minutes", lease_seconds=600, max_attempts=5)
def _seal(run: queue.JobRun) -> None:
    def prepare():
        document = minutes.document_of(db.session.get(ReviewMeeting, run.payload["meeting"]))
        return lambda: sealing.seal(doc.render_minutes_pdf(document),
                                    reason="警网融合例会纪要印发")

    renders.keep_once(run, ReviewMeeting.pdf, run.payload["meeting"], prepare)
