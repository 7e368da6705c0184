import pytest

from reports import pdf
from tests import fakes  # noqa: F401 - registers the "test.note" document


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
