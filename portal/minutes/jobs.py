"""The minutes' background work: draft PDFs for reading, the sealed PDF of issued minutes."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import queue, renders
from portal.minutes import sealing, services
from portal.minutes.models import MinutesVersion
from reports import minutes as doc


@renders.builder("minutes.draft")
def _draft(version: int):
    document = services.draft_document(db.session.get(MinutesVersion, version))
    return lambda: doc.render_minutes_pdf(document)


@queue.handler("minutes.seal", lease_seconds=600, max_attempts=5)
def _seal(run: queue.JobRun) -> None:
    ident = run.payload["version"]
    if db.session.scalar(sa.select(MinutesVersion.pdf.is_not(None)).where(
            MinutesVersion.id == ident)):
        return
    issued = services.issued_document(db.session.get(MinutesVersion, ident))
    db.session.commit()  # nothing is held while the document renders and is sealed
    run.progress(20, "")
    pdf = sealing.seal(doc.render_minutes_pdf(issued))
    # Conditional, so a run repeated after a lost lease keeps the first seal.
    db.session.execute(sa.update(MinutesVersion).where(
        MinutesVersion.id == ident, MinutesVersion.pdf.is_(None)).values(pdf=pdf))
