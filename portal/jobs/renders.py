"""Documents rendered in the background and kept for download.

A page that offers a PDF asks for it by a key that names exactly what the document shows
(a version and its content hash, or the hash of its HTML): a stored PDF is served at once,
else a ``pdf.render`` job is queued and the page waits for it. Asking twice for the same
version renders it once; a changed document has a new key.

A *builder* reads what the document needs and returns the function that renders it; the
job ends the reading transaction before calling that function, so nothing is locked while
WeasyPrint works. An issued document sealed into its own row's column is made the same way
by `keep_once`.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, undefer

from portal.extensions import db
from portal.jobs import queue
from portal.jobs.models import Job, RenderedPdf
from portal.registry import Registry
from portal.timeutil import utcnow
from portal.upsert import upsert

# Each ``prepare(**args) -> render()``; portal.wiring names the modules that register them.
BUILDERS = Registry("document builder")


def builder(name: str):
    """Register ``prepare(**args) -> render()`` for documents of this name."""
    return BUILDERS.under(name)


def stored(key: str) -> RenderedPdf | None:
    return db.session.scalar(sa.select(RenderedPdf).options(undefer(RenderedPdf.pdf))
                             .where(RenderedPdf.key == key))


def request_pdf(name: str, key: str, filename: str, args: dict | None = None, *,
                requested_by=None) -> RenderedPdf | Job:
    """The stored PDF of ``key``, or the job that renders it with builder ``name``."""
    found = stored(key)
    if found is not None:
        return found
    return queue.enqueue("pdf.render", key, {"builder": name, "args": args or {},
                                             "filename": filename},
                         requested_by=requested_by)


def store(key: str, filename: str, pdf: bytes) -> None:
    db.session.execute(upsert(RenderedPdf.__table__).values(
        key=key, filename=filename, size=len(pdf), pdf=pdf, rendered_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"]))


@queue.handler("pdf.render", lease_seconds=300, max_attempts=3)
def _render(run: queue.JobRun) -> None:
    key = db.session.scalar(sa.select(Job.key).where(Job.id == run.job_id))
    if db.session.scalar(sa.select(RenderedPdf.key).where(RenderedPdf.key == key)):
        return
    payload = run.payload
    render = BUILDERS[payload["builder"]](**payload["args"])
    db.session.commit()  # nothing is held while the document renders
    pdf = render()
    store(key, payload["filename"], pdf)


def keep_once(run: queue.JobRun, column: InstrumentedAttribute, ident: int,
              prepare: Callable[[], Callable[[], bytes]]) -> None:
    """Fill ``column`` (a PDF) of the row ``ident`` once: ``prepare()`` reads the document
    and returns the function that renders and seals it, which runs after the reading
    transaction has ended. The PDF is stored only into a row that has none yet, so a run
    repeated after a lost lease keeps the first; the job commits it as it finishes."""
    model = column.class_
    if db.session.scalar(sa.select(column.is_not(None)).where(model.id == ident)):
        return
    make = prepare()
    db.session.commit()  # nothing is held while the document renders and is sealed
    run.progress(20, "")
    pdf = make()
    db.session.execute(sa.update(model).where(model.id == ident, column.is_(None))
                       .values({column.key: pdf}))
