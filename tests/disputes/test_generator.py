"""Generated demo disputes: realistic, valid, gap-free, and added only when asked for."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.demo import VILLAGES, generator
from portal.disputes.identity import id_number_problem
from portal.disputes.models import CLOSED_STATES, Dispute, DisputeEvent, Party, Status
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import utcnow
from portal.validators import is_phone


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def demo(demo, ctx) -> int:
    """The demo setting (which may hold a few demo disputes); returns the last dispute id."""
    return _last_id()


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Dispute.id), 0)))


def _generated(demo: int):
    return db.session.scalars(sa.select(Dispute).where(Dispute.id > demo)).all()


def test_generates_the_number_asked_for_with_parties_and_timelines(demo):
    before = [_count(model) for model in (Dispute, Party, DisputeEvent)]
    summary = generator.generate_disputes(120, seed=1)
    after = [_count(model) for model in (Dispute, Party, DisputeEvent)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [
        120, summary.parties, summary.events]
    assert summary.count == 120
    without_parties = sa.select(sa.func.count(Dispute.id)).where(~Dispute.parties.any())
    assert db.session.scalar(without_parties) == 0
    first_events = db.session.scalars(
        sa.select(DisputeEvent).where(DisputeEvent.id.in_(
            sa.select(sa.func.min(DisputeEvent.id)).group_by(DisputeEvent.dispute_id))))
    assert {e.action for e in first_events} == {"reported"}


def test_references_are_gap_free_per_year_and_follow_the_reporting_order(demo):
    generator.generate_disputes(150, seed=2)
    rows = db.session.execute(sa.select(Dispute.id, Dispute.year, Dispute.serial,
                                        Dispute.reference, Dispute.reported_at)).all()
    for year in {r.year for r in rows}:
        of_year = sorted((r for r in rows if r.year == year), key=lambda r: r.serial)
        assert [r.serial for r in of_year] == list(range(1, len(of_year) + 1))
        assert all(re.fullmatch(rf"南城矛〔{year}〕\d{{4}}号", r.reference) for r in of_year)
        times = [r.reported_at for r in of_year if r.id > demo]
        assert times == sorted(times)


def test_parties_have_valid_id_numbers_and_phones(demo):
    generator.generate_disputes(80, seed=3)
    parties = db.session.scalars(sa.select(Party).where(Party.dispute_id > demo)).all()
    assert all(id_number_problem(p.id_number) is None for p in parties if p.id_number)
    assert sum(1 for p in parties if p.id_number) > len(parties) * 0.7
    assert all(is_phone(p.phone) for p in parties)
    assert all(1 <= n <= 3 for n in Counter(p.dispute_id for p in parties).values())


def test_tiers_are_roughly_sixty_thirty_ten(demo):
    generator.generate_disputes(600, seed=4)
    tiers = Counter(d.tier for d in _generated(demo))
    assert 0.52 < tiers[1] / 600 < 0.68
    assert 0.23 < tiers[2] / 600 < 0.37
    assert 0.05 < tiers[3] / 600 < 0.15


def test_statuses_fit_the_tier_and_the_timeline(demo):
    generator.generate_disputes(300, seed=5)
    now = utcnow()
    generated = _generated(demo)
    for dispute in generated:
        assert now - timedelta(days=366) <= dispute.reported_at <= now
        assert dispute.village.name in VILLAGES
        events = dispute.events
        assert events[-1].to_status is dispute.status
        assert [e.at for e in events] == sorted(e.at for e in events)
        if dispute.tier == 3:
            assert dispute.status not in (Status.REPORTED, Status.HANDLING)
            assert dispute.escalated_at is not None and dispute.handler.username == "convener"
        else:
            assert dispute.status is not Status.ESCALATED
        if dispute.status is Status.CLOSED:
            assert dispute.feedback_at and dispute.closed_at and dispute.outcome or \
                dispute.referral
        if dispute.status is not Status.REPORTED:
            assert dispute.handler_id is not None
    closed = sum(1 for d in generated if d.status in CLOSED_STATES)
    assert closed > 300 * 0.7  # most of a year's disputes are done


def test_one_summary_audit_event_and_the_chain_holds(demo):
    before = _count(AuditEvent)
    generator.generate_disputes(40, seed=6)
    assert _count(AuditEvent) == before + 1
    assert db.session.scalar(sa.select(AuditEvent.action).order_by(
        AuditEvent.seq.desc()).limit(1)) == "disputes.generated"
    assert verify_chain().intact


def test_small_chunks_give_the_same_register(demo):
    generator.generate_disputes(57, seed=7, chunk=10)
    ids = {d.id for d in _generated(demo)}
    assert len(ids) == 57
    parties = sa.select(Party.dispute_id).where(Party.dispute_id > demo)
    assert set(db.session.scalars(parties)) == ids


def test_needs_the_demo_setting(ctx, make):
    with pytest.raises(DomainError):
        generator.generate_disputes(10)


def test_seed_demo_without_disputes_stays_idempotent(app, demo):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0 and _last_id() == demo


def test_seed_demo_with_disputes_adds_them_on_every_run(app, demo):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--disputes", "30", "--seed", "8"])
    assert first.exit_code == 0, first.output
    assert "Added 30 disputes" in first.output
    after_first = _count(Dispute)
    again = runner.invoke(args=["seed-demo", "--disputes", "30"])
    assert again.exit_code == 0, again.output
    assert _count(Dispute) == after_first + 30
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _count(Dispute) == after_first + 30
    help_text = " ".join(runner.invoke(args=["seed-demo", "--help"]).output.split())
    assert "Not idempotent" in help_text
    assert verify_chain().intact


def test_generated_and_imported_disputes_share_the_sequence(app, demo):
    from pathlib import Path

    from portal.disputes.importer import import_csv
    from portal.orgs.models import User

    generator.generate_disputes(20, seed=9, now=utcnow())
    convener = db.session.scalar(sa.select(User).where(User.username == "convener"))
    example = Path(__file__).resolve().parents[2] / "examples" / "city-platform-export.csv"
    created = import_csv(convener, example.read_bytes()).ids
    year = db.session.get(Dispute, created[0]).year
    serials = sorted(db.session.scalars(sa.select(Dispute.serial).where(Dispute.year == year)))
    assert serials == list(range(1, len(serials) + 1))


def test_every_generated_dispute_has_a_case_code_of_its_own(demo):
    from portal.residents import codes
    from portal.residents.models import CaseCode

    generator.generate_disputes(60, seed=4)
    generated = {d.id for d in _generated(demo)}
    found = db.session.execute(sa.select(CaseCode.dispute_id, CaseCode.code).where(
        CaseCode.dispute_id.in_(generated))).all()
    assert {ident for ident, _code in found} == generated
    assert len({code for _ident, code in found}) == 60
    assert codes.find(found[0].code).dispute_id == found[0].dispute_id  # usable on /c/
