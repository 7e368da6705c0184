import re
from io import BytesIO

import pytest
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from reports.casefile import Section, build_casefile


def attachment(marker: str, pages: int = 1, size: str = "A4") -> bytes:
    body = "".join(
        f'<p style="break-after: page">{marker} 第{n}页</p>' for n in range(1, pages + 1)
    )
    return HTML(string=f"<style>@page {{ size: {size} }}</style>{body}").write_pdf()


def rotated(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    for page in writer.pages:
        page.rotate(90)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def sections(draft_pdf):
    return [
        Section("会商纪要（第1版）", draft_pdf),
        Section("证据一：确权图", attachment("确权图", 2)),
        Section("证据二：横向照片", attachment("横向照片", 1, "A4 landscape")),
        Section("证据三：旋转扫描件", rotated(attachment("旋转扫描件", 2))),
    ]


@pytest.fixture(scope="module")
def casefile(sections):
    return build_casefile("东关村宅基地边界纠纷调解卷宗", "南城调〔2026〕0007号", sections)


def test_page_count_is_contents_plus_every_section(casefile, sections, draft_pdf):
    draft_pages = len(PdfReader(BytesIO(draft_pdf)).pages)
    assert len(PdfReader(BytesIO(casefile)).pages) == 1 + draft_pages + 2 + 1 + 2


def test_sections_follow_the_contents_in_order(casefile, draft_pdf):
    texts = [page.extract_text() for page in PdfReader(BytesIO(casefile)).pages]
    assert "卷内目录" in texts[0]
    markers = ["参会人员", "确权图 第1页", "确权图 第2页", "横向照片", "旋转扫描件 第1页"]
    positions = [
        next(i for i, text in enumerate(texts) if i > 0 and marker in text) for marker in markers
    ]
    assert positions == sorted(positions)


def test_contents_lists_titles_with_their_first_page(casefile, pdf_text, draft_pdf):
    draft_pages = len(PdfReader(BytesIO(draft_pdf)).pages)
    toc = pdf_text(casefile, page=1).replace(" ", "")
    assert "证据一：确权图" in toc and "证据三：旋转扫描件" in toc
    first = {"会商纪要（第1版）": 2, "证据一：确权图": 2 + draft_pages}
    for title, page in first.items():
        assert re.search(rf"{re.escape(title)}\s+\d+\s+{page}\b", pdf_text(casefile, page=1))


def test_every_page_carries_its_number_in_the_file(casefile, pdf_text):
    count = len(PdfReader(BytesIO(casefile)).pages)
    for number in range(1, count + 1):
        assert re.search(rf"—\s*{number}\s*—", pdf_text(casefile, page=number)), number


def test_outline_names_each_section(casefile, sections):
    outline = PdfReader(BytesIO(casefile)).outline
    assert [item.title for item in outline] == [section.title for section in sections]


def test_sections_can_be_read_from_disk_and_written_to_a_stream(tmp_path, pdf_text):
    path = tmp_path / "scan.pdf"
    path.write_bytes(attachment("磁盘上的扫描件", 3))
    out = BytesIO()
    assert (
        build_casefile("卷宗", "南城调〔2026〕0008号", [Section("扫描件", path)], out=out) is None
    )
    reader = PdfReader(BytesIO(out.getvalue()))
    assert len(reader.pages) == 4
    assert "磁盘上的扫描件 第3页" in reader.pages[3].extract_text()


def test_portal_pages_given_as_html_take_their_place_among_the_pdfs(pdf_text):
    two_pages = '<p style="break-after: page">登记表 第1页</p><p>登记表 第2页</p>'
    sections = [
        Section("纠纷受理登记表", html=two_pages),
        Section("证据一", attachment("证据一")),
        Section("履行情况", html="<p>履行情况记录</p>"),
    ]
    pdf = build_casefile("卷宗", "南城调〔2026〕0009号", sections)
    reader = PdfReader(BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) == 1 + 2 + 1 + 1
    assert "登记表 第2页" in texts[2] and "证据一" in texts[3] and "履行情况记录" in texts[4]
    assert [reader.get_destination_page_number(item) for item in reader.outline] == [1, 3, 4]
    for number in range(1, 6):
        assert re.search(rf"—\s*{number}\s*—", pdf_text(pdf, page=number)), number
    assert len(re.findall(r"—\s*1\s*—", pdf_text(pdf, page=1))) == 1  # not stamped twice


def test_a_section_is_either_a_pdf_or_html():
    with pytest.raises(ValueError):
        Section("空")
    with pytest.raises(ValueError):
        Section("两者", pdf=b"%PDF-", html="<p></p>")
