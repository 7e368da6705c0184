import threading

import pytest
import sqlalchemy as sa

from portal.disputes import references
from portal.disputes.models import Dispute, ReferenceCounter
from portal.extensions import db
from portal.orgs.models import Role


def test_concurrent_registrations_get_consecutive_unique_numbers(app, make):
    reporter_id = make.user(Role.GRID_WORKER).id
    village_id = make.village().id
    db.session.remove()
    errors = []

    def register(n):
        from portal.disputes import services
        from portal.disputes.models import Category, PartyRole, Source
        from portal.orgs.models import User

        try:
            with app.app_context():
                reporter = db.session.get(User, reporter_id)
                for i in range(5):
                    services.create_dispute(reporter, services.DisputeInput(
                        title=f"并发 {n}-{i}", category=Category.NEIGHBOUR,
                        village_id=village_id, source=Source.WALK_IN, description="x",
                        parties=[services.PartyInput("王五", PartyRole.APPLICANT)]))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    serials = sorted(db.session.scalars(sa.select(Dispute.serial)))
    assert serials == list(range(1, 41))
    assert len(set(db.session.scalars(sa.select(Dispute.reference)))) == 40


def test_numbering_restarts_each_year(ctx):
    assert references.issue(2025)[1] == "南城矛〔2025〕0001号"
    assert references.issue(2025)[1] == "南城矛〔2025〕0002号"
    assert references.issue(2026)[1] == "南城矛〔2026〕0001号"
    first, reference = references.issue(2026, count=10)
    assert (first, reference) == (2, "南城矛〔2026〕0002号")
    db.session.commit()
    counter = db.session.get(ReferenceCounter, ("南城矛", 2026))
    assert counter.last == 11


def test_a_series_keeps_the_width_it_started_with(ctx, app, monkeypatch):
    assert references.issue(2030)[1] == "南城矛〔2030〕0001号"
    monkeypatch.setitem(app.config, "PORTAL_REFERENCE_DIGITS", 6)
    assert references.issue(2030)[1] == "南城矛〔2030〕0002号"
    assert references.issue(2031)[1] == "南城矛〔2031〕000001号"


def test_a_full_series_refuses_numbers_instead_of_printing_another_form(ctx):
    from flask_babel import force_locale

    from portal.errors import DomainError

    references.issue(2032, count=9_998)
    assert references.issue(2032)[1] == "南城矛〔2032〕9999号"
    db.session.commit()
    with force_locale("en"), pytest.raises(DomainError) as refused:
        references.issue(2032)
    db.session.rollback()
    assert "南城矛〔2032〕 are used up" in refused.value.message
    assert db.session.get(ReferenceCounter, ("南城矛", 2032)).last == 9_999
