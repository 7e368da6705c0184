import dataclasses
import re
import unicodedata
from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from reports.minutes import (
    Attendee,
    Signature,
    canonical_content,
    content_hash,
    render_minutes_html,
    render_minutes_pdf,
)


def test_issued_pdf_prints_the_content_hash(issued_minutes, issued_pdf, pdf_text):
    assert content_hash(issued_minutes) in pdf_text(issued_pdf)


def test_pdf_contains_title_attendees_and_signatures(issued_minutes, issued_pdf, pdf_text):
    text = pdf_text(issued_pdf)
    assert "东关村宅基地边界纠纷联席会商" in text
    for attendee in issued_minutes.attendance:
        assert attendee.name in text
    assert "已签署，2026年3月5日 17:00" in text
    assert "拒绝签署，理由：对第二项有保留意见" in text


def test_pdf_contains_the_four_accounts_and_action_items(issued_pdf, pdf_text):
    text = pdf_text(issued_pdf)
    for label in ("心理账", "感情账", "后果账", "利益账"):
        assert label in text
    assert "组织复测" in text and "2026年3月12日" in text


def test_same_day_session_names_its_date_once_in_beijing_time(issued_pdf, pdf_text):
    text = pdf_text(issued_pdf)
    assert "2026年3月5日 14:30至16:45" in text
    assert "签到时间为北京时间" in text and "签署时间为北京时间" in text


def test_times_in_another_zone_do_not_claim_beijing_time(make_minutes, pdf_text):
    text = pdf_text(render_minutes_pdf(make_minutes(time_zone="Asia/Urumqi"), timeout=None))
    assert "北京时间" not in text and "Asia/Urumqi" in text


def test_session_across_midnight_dates_both_ends(make_minutes, pdf_text):
    late = make_minutes(ends_at=datetime(2026, 3, 5, 17, 30, tzinfo=UTC))
    assert "2026年3月5日 14:30至2026年3月6日 01:30" in pdf_text(
        render_minutes_pdf(late, timeout=None))


def test_pages_are_numbered_between_dashes(issued_pdf, pdf_text):
    assert re.search(r"—\s*1\s*—", pdf_text(issued_pdf, page=1))
    assert re.search(r"—\s*2\s*—", pdf_text(issued_pdf, page=2))


def test_draft_carries_the_watermark_on_every_page(draft_pdf, page_texts):
    pages = page_texts(draft_pdf)
    assert len(pages) > 1
    assert all("草稿 DRAFT" in page for page in pages)


def test_issued_version_has_no_watermark(issued_pdf, page_texts):
    assert not any("DRAFT" in page or "草稿" in page for page in page_texts(issued_pdf))


def test_draft_prints_neither_hash_nor_verification_link(draft_minutes, draft_pdf, pdf_text):
    text = pdf_text(draft_pdf)
    assert content_hash(draft_minutes) not in text
    assert draft_minutes.verify_url not in text


def test_issued_html_embeds_the_qr_code_as_data_url(issued_minutes):
    html = render_minutes_html(issued_minutes)
    assert 'src="data:image/svg+xml' in html


def test_pdf_is_pdf_a_3u_in_chinese(issued_pdf):
    catalog = PdfReader(BytesIO(issued_pdf)).trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="U"' in xmp
    assert catalog["/Lang"] == "zh-CN"


def test_canonical_content_ignores_field_order_of_the_input(make_minutes):
    fields = {"name": "钱明", "body": "南城司法所", "role": "所长助理", "delegate_of": "孙所长"}
    forward = Attendee(**fields)
    backward = Attendee(**dict(reversed(fields.items())))
    assert canonical_content(make_minutes(attendance=(forward,))) == canonical_content(
        make_minutes(attendance=(backward,))
    )


def test_canonical_content_is_sorted_compact_json(make_minutes):
    content = canonical_content(make_minutes()).decode("utf-8")
    assert content.startswith('{"content":{"accounts":[')
    assert ", " not in content.replace("，", "") and '": ' not in content


def test_canonical_content_is_the_same_for_nfc_and_nfd_text(make_minutes):
    title = "关于Café与李四纠纷的会议纪要"
    nfc = make_minutes(title=unicodedata.normalize("NFC", title))
    nfd = make_minutes(title=unicodedata.normalize("NFD", title))
    assert nfc.title != nfd.title
    assert canonical_content(nfc) == canonical_content(nfd)


def test_canonical_content_is_the_same_for_crlf_and_lf_line_ends(make_minutes):
    assert content_hash(make_minutes(body="第一段\r\n\r\n第二段")) == content_hash(
        make_minutes(body="第一段\n\n第二段")
    )


def test_canonical_content_is_the_same_in_any_time_zone(draft_minutes):
    beijing = draft_minutes.starts_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert content_hash(dataclasses.replace(draft_minutes, starts_at=beijing)) == content_hash(
        draft_minutes
    )


def test_signatures_and_issue_state_are_not_part_of_the_signed_content(draft_minutes):
    signed = dataclasses.replace(draft_minutes, signatures=(), issued=True)
    assert content_hash(signed) == content_hash(draft_minutes)


def test_any_content_change_changes_the_hash(draft_minutes):
    amended = dataclasses.replace(draft_minutes, agreed_terms=("以复测界址为准",))
    assert content_hash(amended) != content_hash(draft_minutes)


def test_version_is_part_of_the_signed_content(draft_minutes):
    assert content_hash(dataclasses.replace(draft_minutes, version=2)) != content_hash(
        draft_minutes
    )


def test_naive_conference_time_is_rejected(make_minutes):
    with pytest.raises(ValueError, match="timezone-aware"):
        make_minutes(starts_at=datetime(2026, 3, 5, 14, 30))


def test_issued_minutes_need_a_verification_url(make_minutes):
    with pytest.raises(ValueError, match="verification URL"):
        make_minutes(issued=True, verify_url="")


def test_signature_is_either_signed_or_refused():
    with pytest.raises(ValueError):
        Signature("赵法官", "南城人民法庭")
    with pytest.raises(ValueError):
        Signature("赵法官", "南城人民法庭", datetime(2026, 3, 5, tzinfo=UTC), "理由")


def test_markdown_in_the_body_is_sanitised(make_minutes):
    body = (
        "正文<script>alert(1)</script>\n\n"
        '<img src="file:///etc/passwd"> <a href="javascript:alert(1)">链接</a>\n\n'
        "<style>body{background:url(http://127.0.0.1/x)}</style>\n\n"
        '<p style="color:red" onclick="x()">**加粗**</p>'
    )
    html = render_minutes_html(make_minutes(body=body))
    for forbidden in (
        "<script",
        "alert(1)",
        "<img",
        "javascript:",
        "<style>body",
        "onclick",
        'style="color',
        "/etc/passwd",
        "127.0.0.1",
    ):
        assert forbidden not in html
    assert "链接" in html


def test_plain_fields_are_escaped_not_interpreted(make_minutes):
    html = render_minutes_html(make_minutes(place='<img src="http://127.0.0.1/x">会议室'))
    assert "&lt;img" in html and '<img src="http' not in html


def test_render_without_worker_gives_the_same_text(draft_minutes, draft_pdf, pdf_text):
    assert pdf_text(render_minutes_pdf(draft_minutes, timeout=None)) == pdf_text(draft_pdf)
