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


def test_a_file_bound_in_the_child_process_is_written_whole(tmp_path):
    target = tmp_path / "casefile.pdf"
    with target.open("wb") as out:
        build_casefile("卷宗", "南城调〔2026〕0010号",
                       [Section("证据一", attachment("证据一", 2))], out=out, timeout=60)
    assert len(PdfReader(target).pages) == 3


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


def _cover(**changes):
    from datetime import date

    from reports.casefile import Cover

    values = dict(committee="东关村人民调解委员会", case_number="南城矛〔2026〕9号",
                  title="东关村宅基地边界纠纷调解卷宗", parties=("张三", "欧阳明"),
                  dispute_type="土地山林", filed_on=date(2026, 3, 1),
                  closed_on=date(2026, 4, 2), keeping_period="长期", filed_by="李秀兰",
                  bound_on=date(2026, 4, 3))
    values.update(changes)
    return Cover(**values)


def test_cover_contents_documents_and_back_sheet_in_order(pdf_text):
    sections = [Section("纠纷受理登记表", html="<h1>受理登记</h1>"),
                Section("调解协议书", attachment("协议", 2))]
    pdf = build_casefile("东关村宅基地边界纠纷调解卷宗", "南城矛〔2026〕9号", sections,
                         cover=_cover(), timeout=None)
    reader = PdfReader(BytesIO(pdf))
    assert [item.title for item in reader.outline] == [
        "卷宗封面", "卷内目录", "纠纷受理登记表", "调解协议书", "备考表"]
    cover = "".join(pdf_text(pdf, page=1).split())
    parts = ("东关村人民调解委员会", "人民调解卷宗", "卷宗编号南城矛〔2026〕9号",
             "当事人张三、欧阳明",
             "纠纷类型土地山林", "受理日期2026年3月1日", "结案日期2026年4月2日",
             "保管期限长期", "立卷人李秀兰", "本卷共4页")
    at = 0
    for part in parts:
        at = cover.find(part, at)
        assert at >= 0, part
    back = "".join(pdf_text(pdf, page=len(reader.pages)).split())
    assert "卷内备考表" in back and "本卷共4页" in back and "立卷人：李秀兰" in back


def test_every_numbered_page_carries_one_number_only(draft_minutes, pdf_text):
    from reports.minutes import render_minutes_html

    sections = [Section("会商纪要", html=render_minutes_html(draft_minutes)),
                Section("证据", attachment("证据", 1))]
    pdf = build_casefile("卷宗", "南城矛〔2026〕9号", sections, cover=_cover(), timeout=None)
    pages = len(PdfReader(BytesIO(pdf)).pages)
    for page in range(2, pages):  # the cover and the back sheet carry none
        numbers = re.findall(r"—\s*(\d+)\s*—", pdf_text(pdf, page=page))
        assert numbers == [str(page - 1)], (page, numbers)


def test_unreadable_pdf_and_image_get_a_page_saying_why(pdf_text):
    from reports.casefile import image_section

    sections = [Section("扫描件", b"%PDF-1.4\n% demo scan\n"),
                image_section("照片", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
                Section("证据", attachment("证据", 1))]
    pdf = build_casefile("卷宗", "南城矛〔2026〕9号", sections, cover=_cover(), timeout=None)
    reader = PdfReader(BytesIO(pdf))
    titles = [item.title for item in reader.outline]
    assert titles[2:5] == ["扫描件（无法装订）", "照片（无法装订）", "证据"]
    text = "".join(pdf_text(pdf).split())
    assert "材料名称：扫描件" in text and "该文件无法读取" in text and "证据第1页" in text
    assert "扫描件（无法装订）：原件无法读取" in text
