from io import BytesIO

from pypdf import PdfReader
from weasyprint import HTML

from portal.conferences.models import Document
from portal.extensions import db
from portal.followup import agreements, casefile
from portal.followup.models import CasefileState
from tests.factories import run_jobs
from tests.followup.conftest import complete


def _attachment(pages: int) -> bytes:
    body = "".join(f'<p style="break-after: page">证据{n}</p>' for n in range(pages))
    return HTML(string=body).write_pdf()


def _document(conference, name, content_type, data):
    db.session.add(Document(conference_id=conference.id, uploader_id=conference.secretary_id,
                            filename=name, content_type=content_type, size=len(data),
                            sha256="0" * 64, data=data))
    db.session.commit()


def test_case_file_in_the_customary_order_with_continuous_pages(issued, client, login):
    conference, people = issued
    dispute = conference.dispute
    agreement = agreements.generate(conference.secretary, conference)
    agreements.update(conference.secretary, agreement, complete(agreements.content(agreement)))
    _document(conference, "现场照片.pdf", "application/pdf", _attachment(3))
    # Stored before uploads were parsed in full: a PNG header and nothing behind it.
    _document(conference, "notes.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    job = casefile.request_casefile(dispute.handler, dispute)
    assert job.state is CasefileState.QUEUED
    run_jobs()  # the minutes' seal first, then the case file that binds them
    assert job.state is CasefileState.DONE, job.error
    reader = PdfReader(BytesIO(job.pdf))
    titles = [item.title for item in reader.outline]
    assert titles == ["卷宗封面", "卷内目录", "纠纷受理登记表", "当事人权利义务告知书",
                      "当事人身份情况", "调查笔录及会前材料",
                      "第1次联席会商纪要", "人民调解协议书", "履行情况及回访记录",
                      "附件：现场照片.pdf", "附件：notes.png（无法装订）", "备考表"]
    starts = [reader.get_destination_page_number(item) for item in reader.outline]
    assert starts == sorted(starts) and starts[0] == 0
    assert job.pages == len(reader.pages)
    cover = "".join(reader.pages[0].extract_text().split())
    for part in ("人民调解卷宗", dispute.reference, "纠纷类型", "受理日期", "结案日期",
                 "保管期限长期", f"立卷人{dispute.handler.full_name}"):
        assert part in cover, part
    for party in dispute.parties:
        assert party.name in cover
    unreadable = "".join(reader.pages[starts[-2]].extract_text().split())
    assert "notes.png" in unreadable and "无法读取" in unreadable
    back = "".join(reader.pages[-1].extract_text().split())
    assert "卷内备考表" in back and "notes.png（无法装订）：原件无法读取" in back

    login(dispute.handler)
    page = client.get(f"/followup/casefiles/{job.id}").get_data(as_text=True)
    assert "附件：现场照片.pdf" in page
    download = client.get(f"/followup/casefiles/{job.id}.pdf")
    assert download.status_code == 200 and download.data == job.pdf


def test_a_withdrawn_unreadable_document_does_not_block_the_case_file(issued):
    from portal.conferences.services import withdraw_document

    conference, people = issued
    dispute = conference.dispute
    agreement = agreements.generate(conference.secretary, conference)
    agreements.update(conference.secretary, agreement, complete(agreements.content(agreement)))
    _document(conference, "坏文件.pdf", "application/pdf", b"%PDF-1.4\n<html>not a pdf")
    withdraw_document(conference.secretary, db.session.scalar(db.select(Document)))
    job = casefile.request_casefile(dispute.handler, dispute)
    run_jobs()  # the seals first, then the case file
    assert job.state is CasefileState.DONE, job.error
    titles = [item.title for item in PdfReader(BytesIO(job.pdf)).outline]
    assert "附件：坏文件.pdf" not in titles
def test_a_corrupt_attachment_gets_a_page_and_the_rest_is_bound(issued):
    conference, people = issued
    dispute = conference.dispute
    _document(conference, "扫描件.pdf", "application/pdf", b"%PDF-1.4\n% demo scan\n")
    _document(conference, "现场照片.pdf", "application/pdf", _attachment(2))
    job = casefile.request_casefile(dispute.handler, dispute)
    run_jobs()  # the seals first, then the case file
    assert job.state is CasefileState.DONE, job.error
    reader = PdfReader(BytesIO(job.pdf))
    titles = [item.title for item in reader.outline]
    assert "附件：扫描件.pdf（无法装订）" in titles and "附件：现场照片.pdf" in titles
    page = reader.get_destination_page_number(reader.outline[titles.index(
        "附件：扫描件.pdf（无法装订）")])
    text = "".join(reader.pages[page].extract_text().split())
    assert "扫描件.pdf" in text and "无法读取" in text and "原因" in text


def test_a_real_scan_is_bound_as_a_page(issued):
    from portal.demo.followup import signed_copy_scan

    conference, people = issued
    dispute = conference.dispute
    _document(conference, "签字本.png", "image/png", signed_copy_scan())
    job = casefile.request_casefile(dispute.handler, dispute)
    run_jobs()  # the seals first, then the case file
    reader = PdfReader(BytesIO(job.pdf))
    assert "附件：签字本.png" in [item.title for item in reader.outline]
