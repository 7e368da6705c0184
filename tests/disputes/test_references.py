import threading

import pytest
import sqlalchemy as sa

from portal.disputes import references
from portal.disputes.models import Dispute, ReferenceCounter
from portal.extensions import db
from portal.orgs.models import Role
from tests.transactions import committed


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
                    committed(services.create_dispute(reporter, services.DisputeInput(
                        title=f"并发 {n}-{i}", category=Category.NEIGHBOUR,
                        village_id=village_id, source=Source.WALK_IN, description="x",
                        parties=[services.PartyInput("王五", PartyRole.APPLICANT)])))
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


def _open(app, *args):
    return app.test_cli_runner().invoke(args=["references", "open", *args])


def test_a_full_series_goes_on_in_the_wider_one_an_administrator_opens(app, ctx):
    from portal.audit.models import AuditEvent

    references.issue(2033, count=9_999)
    db.session.commit()
    result = _open(app, "2033", "--digits", "5")
    assert result.exit_code == 0, result.output
    assert "from 4 to 5 digits: the next number is 南城矛〔2033〕10000号" in result.output
    assert references.issue(2033)[1] == "南城矛〔2033〕10000号"
    event = db.session.scalar(sa.select(AuditEvent)
                              .where(AuditEvent.action == "reference_series.opened"))
    assert event.summary == "南城矛〔2033〕 → 南城矛〔2033〕10000号"
    assert '"digits": [4, 5]' in event.changes


def test_a_year_not_begun_starts_with_the_width_opened_for_it(app, ctx):
    result = _open(app, "2034", "--digits", "6", "--prefix", "北城矛")
    assert result.exit_code == 0, result.output
    assert "opened with 6 digits: its first number will be 北城矛〔2034〕000001号" in result.output
    assert references.reserve(2034, prefix="北城矛").reference(1) == "北城矛〔2034〕000001号"


def test_a_series_never_narrows_and_a_refusal_changes_nothing(app, ctx):
    from flask_babel import force_locale

    from portal.audit.models import AuditEvent
    from portal.errors import DomainError

    references.issue(2035, count=12)
    db.session.commit()
    with force_locale("en"), pytest.raises(DomainError) as refused:
        references.open_series(2035, 4)
    db.session.rollback()
    assert refused.value.message == ("The series 南城矛〔2035〕 already has 4 digits: "
                                     "a new series needs more.")
    assert _open(app, "2035", "--digits", "9").exit_code == 1
    counter = db.session.get(ReferenceCounter, ("南城矛", 2035))
    assert (counter.last, counter.digits) == (12, 4)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "reference_series.opened")) == 0
