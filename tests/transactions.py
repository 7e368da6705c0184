"""Services only flush; a test that calls them directly stands in for the request, command
or job that would commit or roll back around them."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from portal.errors import DomainError
from portal.extensions import db


def committed(result):
    """What a service returned, committed as the request, command or job that called it
    would commit it: for tests that look through another connection."""
    db.session.commit()
    return result


@contextmanager
def refused(error: type[Exception] = DomainError, match: str | None = None):
    """A call refused as a request is refused: what the test did before stays (its own
    requests would have committed it) and what the refused call began is rolled back."""
    db.session.commit()
    with pytest.raises(error, match=match) as info:
        yield info
    db.session.rollback()
