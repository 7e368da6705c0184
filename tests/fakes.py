"""Stand-ins for WeasyPrint where the layout is not what a test is about."""

import io
import os
import time

from pypdf import PdfWriter

from portal.jobs import renders
from reports import pdf


def fast_pdf(job) -> bytes:
    """A real one-page PDF (sealable, parseable) made in a millisecond."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": job.html[:60]})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def slow_pdf(job) -> bytes:
    """``fast_pdf`` after PORTAL_FAKE_RENDER_SECONDS (default 2): a render that takes long."""
    time.sleep(float(os.environ.get("PORTAL_FAKE_RENDER_SECONDS", "2")))
    return fast_pdf(job)


@renders.builder("test.note")
def _note(text: str):
    """A one-paragraph document, known to a worker process that loads these stand-ins."""
    return lambda: pdf.render_pdf(f"<p>{text}</p>")
