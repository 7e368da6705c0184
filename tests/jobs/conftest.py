import pytest

from portal.jobs import renders
from reports import pdf
from tests import fakes

RENDERED = []


@renders.builder("test.note")
def _note(text: str):
    return lambda: pdf.render_pdf(f"<p>{text}</p>")


@pytest.fixture
def engine():
    """Every document rendered by the fast stand-in; ``engine`` lists what it rendered."""
    rendered = []

    def counting(job):
        rendered.append(job.html)
        return fakes.fast_pdf(job)
    pdf.use_engine(counting)
    yield rendered
    pdf.use_engine(None)
