"""The minutes' background work: draft PDFs for reading, the sealed PDF of issued minutes."""

from __future__ import annotations

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
    def prepare():
        issued = services.issued_document(db.session.get(MinutesVersion, run.payload["version"]))
        return lambda: sealing.seal(doc.render_minutes_pdf(issued))

    renders.keep_once(run, MinutesVersion.pdf, run.payload["version"], prepare)
