import json
import re

import pytest
import sqlalchemy as sa

from portal.conferences.models import ConferenceState
from portal.errors import Conflict, DomainError, NotAllowed
from portal.extensions import db
from portal.minutes import document, services
from portal.minutes.models import VersionStatus
from portal.orgs.models import OrgKind
from reports import minutes as doc
from tests.transactions import refused


def _attendees(conference):
    return [row for row in services.section(conference, "attendance")[0]]


def _record(conference, secretary, people):
    attendance = _attendees(conference)
    services.save_section(secretary, conference, "attendance", attendance, 0)
    services.save_section(secretary, conference, "outcome", {
        "outcome": "agreement", "terms": ["被申请人于30日内支付工资35万元"],
        "next_steps": ["申请司法确认"], "summary": "欠薪纠纷", "referral": ""}, 0)
    services.save_section(secretary, conference, "actions", [{
        "owner_body": "labour", "owner": "孙丽", "task": "督促支付", "due": "2026-12-31",
        "feedback": "书面报告"}], 0)
    return attendance


@pytest.fixture
def drafted(closed_session):
    from portal.conferences import services as conferences

    conference, people = closed_session
    _record(conference, conference.secretary, people)
    conferences.end_session(conference.secretary, conference)
    version = services.generate_draft(conference.secretary, conference)
    return conference, people, version


def test_concurrent_edits_of_one_part_conflict(closed_session):
    conference, people = closed_session
    secretary, convener = conference.secretary, conference.convener
    data, seen = services.section(conference, "agenda")
    services.save_section(secretary, conference, "agenda", [{"title": "听取陈述",
                                                            "notes": "a"}], seen)
    with refused(Conflict) as conflict:
        services.save_section(convener, conference, "agenda", [{"title": "另一个版本",
                                                              "notes": "b"}], seen)
    assert secretary.full_name in conflict.value.message
    assert services.section(conference, "agenda")[0][0]["title"] == "听取陈述"
    # another part is independent
    services.save_section(convener, conference, "opinions", [], 0)


def test_only_the_secretary_or_convener_records(closed_session):
    conference, people = closed_session
    with pytest.raises(NotAllowed):
        services.save_section(people[OrgKind.COURT], conference, "agenda", [], 0)


def test_default_attendance_lists_who_accepted_and_the_officers(closed_session):
    conference, people = closed_session
    names = {row["name"] for row in _attendees(conference)}
    assert people[OrgKind.COURT].full_name in names
    assert conference.secretary.full_name in names and conference.convener.full_name in names


def test_sign_refuse_issue_and_lock(drafted):
    conference, people, version = drafted
    secretary = conference.secretary
    services.open_signing(secretary, version)
    assert conference.state is ConferenceState.MINUTES_SIGNING
    signers = {row["user_id"] for row in services.signers(conference)}
    court = people[OrgKind.COURT]
    with pytest.raises(DomainError):
        services.sign(court, version, "wrong-password", version.content_hash)
    with pytest.raises(DomainError, match="仍在等待"):
        services.issue(secretary, version)
    for user_id in signers:
        user = db.session.get(type(court), user_id)
        if user.id == court.id:
            services.refuse(user, version, "对第二条有异议", version.content_hash)
        else:
            services.sign(user, version, "Correct-horse-42", version.content_hash,
                          "10.0.0.1", "pytest")
    with pytest.raises(DomainError):
        services.sign(court, version, "Correct-horse-42", version.content_hash)
    services.issue(secretary, version)
    assert version.status is VersionStatus.ISSUED and conference.state is ConferenceState.SIGNED
    with pytest.raises(DomainError):
        services.edit(secretary, version, "改写", version.content_hash)
    signature = next(s for s in version.signatures if not s.refused)
    assert signature.content_hash == version.content_hash and signature.ip == "10.0.0.1"
    assert "minutes_issued" in [e.action for e in conference.dispute.events]


def test_signing_a_changed_version_is_refused(drafted):
    conference, people, version = drafted
    services.open_signing(conference.secretary, version)
    court = people[OrgKind.COURT]
    with pytest.raises(Conflict):
        services.sign(court, version, "Correct-horse-42", "0" * 64)


def test_non_attendee_cannot_sign(drafted, make):
    conference, people, version = drafted
    services.open_signing(conference.secretary, version)
    with pytest.raises(NotAllowed):
        services.sign(make.user(), version, "Correct-horse-42", version.content_hash)


def test_edit_after_first_signature_makes_a_new_version(drafted):
    conference, people, version = drafted
    secretary = conference.secretary
    services.open_signing(secretary, version)
    services.sign(people[OrgKind.COURT], version, "Correct-horse-42", version.content_hash)
    new = services.edit(secretary, version, "补充：双方同意分两期履行", version.content_hash)
    assert new.number == version.number + 1 and new.status is VersionStatus.DRAFT
    assert version.status is VersionStatus.SUPERSEDED
    assert all(s.cancelled for s in version.signatures)
    assert new.content_hash != version.content_hash


def test_amendment_needs_new_signatures(drafted):
    conference, people, version = drafted
    secretary = conference.secretary
    services.open_signing(secretary, version)
    for row in services.signers(conference):
        user = db.session.get(type(secretary), row["user_id"])
        services.sign(user, version, "Correct-horse-42", version.content_hash)
    services.issue(secretary, version)
    amendment = services.amend(secretary, conference)
    assert amendment.number == 2 and amendment.signatures == []
    assert services.find_by_hash(version.content_hash) is not None


def test_snapshot_round_trips_to_the_same_hash(drafted):
    conference, people, version = drafted
    rebuilt = document.from_json(version.snapshot)
    assert doc.content_hash(rebuilt) == version.content_hash
    assert json.loads(version.snapshot)["outcome"] == "agreement"


def test_outcome_validation(closed_session):
    from werkzeug.datastructures import MultiDict

    from portal.minutes import record_input

    with pytest.raises(DomainError):
        record_input.outcome(MultiDict({"outcome": "agreement", "terms": ""}))
    with pytest.raises(DomainError):
        record_input.outcome(MultiDict({"outcome": "none", "referral": ""}))
    with pytest.raises(DomainError):
        record_input.outcome(MultiDict({"outcome": "magic"}))
    assert record_input.outcome(MultiDict({"outcome": "none", "referral": "诉讼"}))["referral"]


def test_no_minutes_before_the_session_closes(closed_session):
    conference, _ = closed_session
    with pytest.raises(DomainError):
        services.generate_draft(conference.secretary, conference)
    assert db.session.scalar(sa.text("SELECT COUNT(*) FROM minutes_versions")) == 0


def test_two_first_saves_of_one_part_at_once_conflict(closed_session, monkeypatch):
    conference, people = closed_session
    secretary, convener = conference.secretary, conference.convener
    services.save_section(secretary, conference, "agenda", [{"title": "听取陈述",
                                                            "notes": "a"}], 0)
    # The convener read the part before the secretary's first save had committed.
    looked_up = services._section_row
    misses = iter([None])
    monkeypatch.setattr(services, "_section_row",
                        lambda *args: next(misses, None) or looked_up(*args))
    with pytest.raises(Conflict) as conflict:
        services.save_section(convener, conference, "agenda", [{"title": "另一个版本",
                                                              "notes": "b"}], 0)
    assert secretary.full_name in conflict.value.message
    assert services.section(conference, "agenda")[0][0]["title"] == "听取陈述"
def _sign_all_and_issue(conference, version):
    secretary = conference.secretary
    services.open_signing(secretary, version)
    for row in services.signers(conference):
        user = db.session.get(type(secretary), row["user_id"])
        services.sign(user, version, "Correct-horse-42", version.content_hash)
    return services.issue(secretary, version)


def test_minutes_get_their_own_number_when_signing_opens(drafted):
    conference, people, version = drafted
    assert document.from_json(version.snapshot).number == ""
    services.open_signing(conference.secretary, version)
    number = document.from_json(version.snapshot).number
    assert re.fullmatch(r"南城会纪〔20\d\d〕[1-9]\d*号", number)
    assert number != conference.dispute.reference
    assert doc.content_hash(document.from_json(version.snapshot)) == version.content_hash


def test_amendment_keeps_the_number_and_says_what_it_corrects(drafted):
    conference, people, version = drafted
    _sign_all_and_issue(conference, version)
    first = document.from_json(version.snapshot)
    amendment = services.amend(conference.secretary, conference)
    amendment = services.edit(conference.secretary, amendment, "补充：双方同意分两期履行",
                              amendment.content_hash)
    services.open_signing(conference.secretary, amendment)
    second = document.from_json(amendment.snapshot)
    assert second.number == first.number
    assert second.corrects == version.number and second.correction == "更正会商经过"


def test_sign_in_outside_the_session_is_refused(app):
    from datetime import UTC, date, datetime

    from werkzeug.datastructures import MultiDict

    from portal.minutes import record_input

    session = (datetime(2026, 3, 5, 6, 0, tzinfo=UTC), datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    form = MultiDict({"att-0-name": "王建国", "att-0-status": "present", "att-0-time": "17:30"})
    with app.test_request_context():
        with pytest.raises(DomainError, match="13:30–16:00"):
            record_input.attendance(form, date(2026, 3, 5), session)
        form["att-0-time"] = "13:45"  # 15 minutes before the start (Beijing time)
        assert record_input.attendance(form, date(2026, 3, 5), session)[0]["signed_in_at"]
