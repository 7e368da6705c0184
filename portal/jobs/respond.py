"""How a page answers with a document that may still be in the making."""

from __future__ import annotations

from flask import Response, redirect, request, url_for

from portal.jobs.models import Job, RenderedPdf


def pdf_download(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def wait_for(job: Job, target: str | None = None) -> Response:
    """The waiting page of ``job``, which comes back to ``target`` (this URL) when done."""
    if target is None:
        query = request.query_string.decode()
        target = request.path + (f"?{query}" if query else "")
    return redirect(url_for("jobs.waiting", ident=job.id, next=target))


def stored_or_wait(found: RenderedPdf | Job) -> Response:
    if isinstance(found, RenderedPdf):
        return pdf_download(found.pdf, found.filename)
    return wait_for(found)
