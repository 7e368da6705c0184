"""The review's background work: the sealed PDF of issued minutes."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import queue
from portal.minutes import sealing
from portal.reviews import minutes
from portal.reviews.models import ReviewMeeting
from reports import review_minutes as doc


@queue.handler("reviews.minutes", lease_seconds=600, max_attempts=5)
def _seal(run: queue.JobRun) -> None:
    ident = run.payload["meeting"]
    if db.session.scalar(sa.select(ReviewMeeting.pdf.is_not(None)).where(
            ReviewMeeting.id == ident)):
        return
    document = minutes.document_of(db.session.get(ReviewMeeting, ident))
    db.session.commit()  # nothing is held while the document renders and is sealed
    run.progress(20, "")
    pdf = sealing.seal(doc.render_minutes_pdf(document), reason="警网融合例会纪要印发")
    # Conditional, so a run repeated after a lost lease keeps the first seal.
    db.session.execute(sa.update(ReviewMeeting).where(
        ReviewMeeting.id == ident, ReviewMeeting.pdf.is_(None)).values(pdf=pdf))
    db.session.commit()
