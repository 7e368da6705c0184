import re
import subprocess
from datetime import date, timedelta

import pytest

from portal.errors import DomainError
from portal.extensions import db
from portal.followup import agreements, reminders
from portal.followup.models import AgreementState, TaskKind
from portal.followup.tasks import tasks_of
from portal.notifications.models import Notification
from portal.timeutil import utcnow
from reports.agreement import render_agreement_pdf
from reports.pdf import render_pdf
from tests.factories import download, run_jobs
from tests.followup.conftest import MEDIATOR, TERMS, complete
from tests.samples import PNG
from tests.transactions import refused


def _pdf_text(data: bytes) -> str:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")
    return "".join(text.split())


@pytest.fixture
def drafted(issued):
    conference, people = issued
    agreement = agreements.generate(conference.secretary, conference)
    agreements.update(conference.secretary, agreement, complete(agreements.content(agreement)))
    return agreement


def _sign_all(agreement, *days_ago):
    today = agreements.today()
    dates = {p.id: today - timedelta(days=d)
             for p, d in zip(agreement.dispute.parties, days_ago, strict=True)}
    return agreements.record_signatures(agreement.conference.secretary, agreement, dates, PNG,
                                        "signed.png")


def test_agreement_pdf_carries_what_the_mediation_law_requires(drafted):
    agreement = drafted
    data = agreements.content(agreement)
    text = _pdf_text(render_agreement_pdf(agreements.issued_document(agreement)))
    # The copy the parties sign: no watermark across their signatures, takes effect on signing
    assert "草稿" not in text and "DRAFT" not in text
    assert "签署本" in text and "之日起生效" in text
    dispute = agreement.dispute
    assert "人民调解协议书" in text and agreement.number in text
    assert data["committee"] in text  # the mediating body that issues it
    for party in dispute.parties:  # every party's particulars
        assert party.name in text
    assert "11010519491231002X" in text and "1970年5月6日出生" in text
    assert "米山村一组" in text and "13812345678" in text
    assert "纠纷的主要事实" in text and "两户因宅基地边界发生争执" in text
    assert "争议事项" in text
    assert "各方当事人的责任" in text and "擅自移动界桩，负主要责任" in text
    for term in TERMS:  # the agreed obligations, how and by when
        assert "".join(term.split()) in text
    assert "履行方式" in text and "履行期限" in text
    assert text.count("（签名或按指印）") == len(dispute.parties)
    # The committee's mediator signs, not the convener (a police officer)
    assert f"人民调解员（签名）：{MEDIATOR}" in text
    assert agreement.conference.convener.full_name not in text
    assert "（印章）" in text  # the committee's seal area
    assert "一式三份" in text  # one per party and one kept, in characters


def test_agreement_parts_come_in_order_with_a_signature_page(drafted):
    text = _pdf_text(render_agreement_pdf(agreements.issued_document(drafted)))
    number = drafted.number
    assert re.fullmatch(r"测试调〔20\d\d〕[1-9]\d*号", number)
    parts = [number, "人民调解协议书", "一、当事人基本情况", "汉族", "职业或工作单位：农民",
             "二、纠纷的主要事实", "三、争议事项", "四、各方当事人的责任",
             "五、达成的调解协议内容", "履行方式：银行转账，一次性履行", "六、其他事项",
             "（以下无正文）", f"（此页无正文，为{number}人民调解协议书签署页）",
             "甲方（签名或按指印）", "年月日", "乙方（签名或按指印）", "年月日",
             f"人民调解员（签名）：{MEDIATOR}", "（印章）"]
    at = 0
    for part in parts:
        at = text.find(part, at)
        assert at >= 0, part
    assert "版）" not in text


def test_mediators_come_from_the_committee(drafted):
    data = agreements.content(drafted)
    data["mediators"] = [drafted.conference.convener.full_name]
    with pytest.raises(DomainError, match="不是.*人民调解员"):
        agreements.update(drafted.conference.secretary, drafted, data)


def test_each_obligation_says_how_it_is_performed(drafted):
    data = agreements.content(drafted)
    data["obligations"][0]["method"] = ""
    with pytest.raises(DomainError, match="请选择履行方式"):
        agreements.update(drafted.conference.secretary, drafted, data)
    deadline = date.fromisoformat(data["obligations"][0]["deadline"])
    first, second = deadline - timedelta(days=10), deadline
    data["obligations"][0].update(method="cash", instalments=[
        {"due": first.isoformat(), "amount": "1万元"},
        {"due": second.isoformat(), "amount": "2万元"}])
    agreements.update(drafted.conference.secretary, drafted, data)
    text = _pdf_text(render_agreement_pdf(agreements.issued_document(drafted)))
    assert (f"履行方式：现金支付，分二期履行（第1期于{first.year}年{first.month}月{first.day}日前"
            f"1万元；第2期于{second.year}年{second.month}月{second.day}日前2万元）") in text


def test_party_particulars_need_ethnicity_and_occupation(drafted):
    data = agreements.content(drafted)
    data["parties"][0]["occupation"] = ""
    with pytest.raises(DomainError, match="职业或工作单位"):
        agreements.update(drafted.conference.secretary, drafted, data)


def test_no_agreement_without_an_agreed_outcome(closed_session):
    from tests.followup.conftest import issue_minutes, record_agreement

    conference, people = closed_session
    record_agreement(conference, people, outcome="none")
    issue_minutes(conference)
    with refused(DomainError, match="未达成|No agreement"):
        agreements.generate(conference.secretary, conference)
    assert agreements.agreement_of(conference) is None


def test_missing_particulars_are_named(issued):
    conference, _ = issued
    agreement = agreements.generate(conference.secretary, conference)
    data = agreements.content(agreement)
    for row in data["parties"]:
        row.update(ethnicity="汉族", occupation="农民")
    with pytest.raises(DomainError, match="李四"):
        agreements.update(conference.secretary, agreement, data)


def test_effective_when_the_last_party_signs(drafted):
    agreement = drafted
    first, second = agreement.dispute.parties
    today = agreements.today()
    agreements.record_signatures(agreement.conference.secretary, agreement,
                                 {first.id: today - timedelta(days=6)}, PNG, "a.png")
    assert agreement.state is AgreementState.SIGNING and agreement.effective_on is None
    with refused(DomainError, match="不能再修改|can no longer"):
        agreements.update(agreement.conference.secretary, agreement, agreements.content(agreement))
    agreements.record_signatures(agreement.conference.secretary, agreement,
                                 {second.id: today - timedelta(days=4)})
    assert agreement.state is AgreementState.EFFECTIVE
    assert agreement.effective_on == today - timedelta(days=4)
    obligations = [t for t in tasks_of(agreement.dispute) if t.kind is TaskKind.OBLIGATION]
    assert len(obligations) == len(TERMS)
    assert all(t.owner_id == agreement.dispute.handler_id for t in obligations)
    assert agreement.issued_at is not None and agreement.pdf is None  # sealed by a job
    run_jobs()  # the minutes' seal and the agreement's
    text = _pdf_text(agreement.pdf)
    assert "签署本" not in text and agreements.content(agreement)["parties"][0]["name"] in text


def test_signature_before_the_conference_is_refused(drafted):
    agreement = drafted
    held = agreements.conference_day(agreement.conference)
    party = agreement.dispute.parties[0]
    with refused(DomainError, match=str(held)):
        agreements.record_signatures(agreement.conference.secretary, agreement,
                                     {party.id: held - timedelta(days=1)}, PNG, "a.png")
    assert not agreement.signatures and agreement.scan_sha256 is None


@pytest.mark.parametrize("upload", [b"hello, not a scan", b"PK\x03\x04zip", b""])
def test_scan_must_be_a_pdf_or_an_image(drafted, upload):
    agreement = drafted
    party = agreement.dispute.parties[0]
    with refused(DomainError, match="PDF|scan|扫描"):
        agreements.record_signatures(agreement.conference.secretary, agreement,
                                     {party.id: agreements.today()}, upload, "x.txt")
    assert agreement.state is AgreementState.DRAFT and not agreement.signatures


def test_confirmation_reminder_fires_once_to_the_handler(drafted):
    agreement = _sign_all(drafted, 0, 0)
    handler = agreement.dispute.handler
    start = utcnow()

    def sent():
        return db.session.scalar(db.select(db.func.count(Notification.id)).where(
            Notification.recipient_id == handler.id, Notification.kind == "confirmation_due"))

    assert reminders.tick(start + timedelta(days=10))["confirmation_due"] == 0
    assert reminders.tick(start + timedelta(days=23))["confirmation_due"] == 1
    assert reminders.tick(start + timedelta(days=23, hours=1))["confirmation_due"] == 0
    assert reminders.tick(start + timedelta(days=29))["confirmation_due"] == 0
    assert sent() == 1


def test_no_confirmation_reminder_once_filed(drafted):
    agreement = _sign_all(drafted, 2, 1)
    agreements.record_filing(agreement.dispute.handler, agreement, agreements.today(),
                             "高平市人民法院")
    assert reminders.tick(utcnow() + timedelta(days=25))["confirmation_due"] == 0


def test_late_filing_is_flagged_not_silently_accepted(drafted):
    agreement = _sign_all(drafted, 38, 35)
    handler = agreement.dispute.handler
    with refused(DomainError, match="30"):
        agreements.record_filing(handler, agreement, agreements.today(), "高平市人民法院")
    assert agreement.confirmation_filed_on is None
    agreements.record_filing(handler, agreement, agreements.today(), "高平市人民法院",
                             "当事人外出务工，返乡后才提交")
    assert agreement.confirmation_late and agreement.confirmation_late_reason


def test_filing_in_time_and_the_courts_decision(drafted):
    from portal.followup.models import Confirmation

    agreement = _sign_all(drafted, 3, 3)
    handler = agreement.dispute.handler
    agreements.record_filing(handler, agreement, agreements.today() - timedelta(days=1),
                             "高平市人民法院")
    assert not agreement.confirmation_late
    agreements.record_ruling(handler, agreement, Confirmation.CONFIRMED, "（2026）晋0581民特12号",
                             agreements.today())
    assert agreement.confirmation is Confirmation.CONFIRMED


def test_rights_notice_per_party_and_record_it_was_given(issued):
    conference, _ = issued
    dispute = conference.dispute
    party = dispute.parties[1]
    text = _pdf_text(render_pdf(agreements.notice_html(dispute, party)))
    assert "当事人权利义务告知书" in text and party.name in text
    assert dispute.parties[0].name not in text
    handler = dispute.handler
    with refused(DomainError):
        agreements.record_notice(handler, dispute, party, agreements.today() + timedelta(1),
                                 "in_person")
    agreements.record_notice(handler, dispute, party, agreements.today(), "in_person")
    with pytest.raises(DomainError, match=party.name):
        agreements.record_notice(handler, dispute, party, agreements.today(), "in_person")


def test_joint_application_for_judicial_confirmation_once_in_effect(drafted, client, login):
    agreement = drafted
    with pytest.raises(DomainError):
        agreements.confirmation_application_pdf(agreement)
    _sign_all(agreement, 2, 1)
    text = _pdf_text(agreements.confirmation_application_pdf(agreement)())
    deadline = agreements.confirmation_deadline(agreement)
    assert "司法确认申请书" in text and agreement.number in text
    assert f"请于{deadline.year}年{deadline.month}月{deadline.day}日前" in text
    for party in agreement.dispute.parties:
        assert f"申请人（{'甲方' if party == agreement.dispute.parties[0] else '乙方'}）" \
               f"：{party.name}" in text or party.name in text
    login(agreement.conference.secretary)
    response = download(client,
                        f"/followup/agreements/{agreement.id}/confirmation-application.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def _case_code(dispute):
    import sqlalchemy as sa

    from portal.residents.models import CaseCode

    return db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))


def test_rights_notice_prints_the_case_code_and_a_qr_code_to_the_case_page(issued, app,
                                                                          tmp_path):
    conference, _ = issued
    dispute = conference.dispute
    case = _case_code(dispute)
    pdf = render_pdf(agreements.notice_html(dispute, dispute.parties[0]))
    text = _pdf_text(pdf)
    url = app.config["PORTAL_BASE_URL"] + f"/c/{case.code}"
    assert f"案件码（一案一码）：{case.display}" in text and url in text
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 1  # still one sheet per party
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(pages[0])], capture_output=True,
                             check=True).stdout.decode().split()
    assert decoded == [url]


def test_agreement_prints_the_case_code_outside_the_signed_content(drafted):
    case = _case_code(drafted.dispute)
    document = agreements.issued_document(drafted)
    assert f"案件码（一案一码）：{case.display}" in _pdf_text(render_agreement_pdf(document))
    from reports.agreement import content_hash

    assert content_hash(document) == content_hash(agreements.to_document(drafted))
