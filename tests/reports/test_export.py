import codecs
import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import openpyxl
import pytest

from reports.export import (
    Sheet,
    neutralise_formula,
    sheet_name,
    to_csv,
    to_xlsx,
    unique_sheet_name,
)

HEADERS = ["村社区", "纠纷类别", "件数", "办结率", "登记日期"]
ROWS = [
    ["南关村", "邻里纠纷", 12, Decimal("99.73"), date(2024, 5, 1)],
    ["拥万社区", "婚姻家庭, 财产", 3, 80.5, date(2024, 5, 2)],
]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_csv_starts_with_the_utf8_byte_order_mark():
    assert to_csv(HEADERS, ROWS).startswith(codecs.BOM_UTF8)


def test_csv_ends_lines_with_crlf():
    data = to_csv(HEADERS, ROWS)

    assert data.count(b"\r\n") == 3
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_csv_round_trips_chinese_text_and_commas():
    assert read_csv(to_csv(HEADERS, ROWS)) == [
        HEADERS,
        ["南关村", "邻里纠纷", "12", "99.73", "2024-05-01"],
        ["拥万社区", "婚姻家庭, 财产", "3", "80.5", "2024-05-02"],
    ]


def test_csv_keeps_line_breaks_inside_a_cell():
    rows = read_csv(to_csv(["意见"], [["第一条\n第二条"]]))

    assert rows[1] == ["第一条\n第二条"]


def test_csv_writes_empty_cells_booleans_and_times():
    shanghai = timezone(timedelta(hours=8))
    row = [None, True, datetime(2024, 5, 1, 9, 30, tzinfo=shanghai)]

    assert read_csv(to_csv(["a", "b", "c"], [row]))[1] == ["", "TRUE", "2024-05-01 09:30:00"]


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tx", "\r=1"],
)
def test_csv_neutralises_formulas(hostile):
    cell = read_csv(to_csv(["备注"], [[hostile]]))[1][0]

    assert cell == "'" + hostile


def test_csv_neutralises_formulas_in_headers():
    assert read_csv(to_csv(["=1+1"], []))[0] == ["'=1+1"]


@pytest.mark.parametrize("number", ["-12", "+86", "-0.5", "+1.5e3", "12"])
def test_plain_signed_numbers_are_left_alone(number):
    assert neutralise_formula(number) == number


def test_numbers_are_not_text_and_are_never_prefixed():
    assert read_csv(to_csv(["差额"], [[-5], [Decimal("-1.50")]]))[1:] == [["-5"], ["-1.50"]]


def test_xlsx_reads_back_values_with_their_types():
    sheet = read_xlsx(to_xlsx([Sheet("纠纷统计", HEADERS, ROWS)]))["纠纷统计"]

    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS)
    assert rows[1][:3] == ("南关村", "邻里纠纷", 12)
    assert isinstance(rows[1][2], int)
    assert rows[1][3] == pytest.approx(99.73)
    assert isinstance(rows[2][3], float)


def test_xlsx_keeps_dates_as_dates():
    sheet = read_xlsx(to_xlsx([("纠纷统计", HEADERS, ROWS)])).active

    cell = sheet["E2"]
    assert cell.is_date
    assert cell.value.date() == date(2024, 5, 1)
    assert cell.number_format == "yyyy-mm-dd"


def test_xlsx_writes_aware_times_in_their_own_wall_clock_time():
    shanghai = timezone(timedelta(hours=8))
    workbook = read_xlsx(
        to_xlsx([("会议", ["开始"], [[datetime(2024, 5, 1, 9, 30, tzinfo=shanghai)]])])
    )

    assert workbook.active["A2"].value == datetime(2024, 5, 1, 9, 30)


def test_xlsx_header_row_is_bold_and_frozen():
    sheet = read_xlsx(to_xlsx([("纠纷统计", HEADERS, ROWS)])).active

    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"


def test_xlsx_columns_are_wide_enough_for_chinese_text():
    long_name = "拥万社区居民委员会第三网格"
    sheet = read_xlsx(to_xlsx([("纠纷统计", ["村社区", "件数"], [[long_name, 1]])])).active

    assert sheet.column_dimensions["A"].width >= 2 * len(long_name)
    assert sheet.column_dimensions["B"].width < sheet.column_dimensions["A"].width


def test_xlsx_keeps_formula_like_text_as_text():
    sheet = read_xlsx(to_xlsx([("备注", ["=1+1"], [["=SUM(A1:A9)"]])])).active

    assert sheet["A1"].value == "=1+1"
    assert sheet["A2"].value == "=SUM(A1:A9)"
    assert sheet["A2"].data_type == "s"


def test_xlsx_allows_chinese_sheet_names_and_several_sheets():
    workbook = read_xlsx(
        to_xlsx([("各类纠纷", ["类别"], [["邻里纠纷"]]), ("各村社区", ["村社区"], [["南关村"]])])
    )

    assert workbook.sheetnames == ["各类纠纷", "各村社区"]
    assert workbook["各村社区"]["A2"].value == "南关村"


def test_xlsx_sanitises_sheet_names_excel_would_refuse():
    workbook = read_xlsx(to_xlsx([("2024/05 统计:[各村]*?", ["a"], [])]))

    assert workbook.sheetnames == ["2024_05 统计__各村___"]


def test_xlsx_makes_duplicate_sheet_names_unique():
    workbook = read_xlsx(to_xlsx([("统计", ["a"], []), ("统计", ["a"], []), ("", ["a"], [])]))

    assert workbook.sheetnames == ["统计", "统计(2)", "Sheet3"]


def test_xlsx_drops_control_characters_excel_cannot_store():
    sheet = read_xlsx(to_xlsx([("t", ["备注"], [["南关村\x00\x1b"]])])).active

    assert sheet["A2"].value == "南关村"


def test_xlsx_with_no_sheets_is_still_a_workbook():
    assert read_xlsx(to_xlsx([])).sheetnames == ["Sheet1"]


def test_sheet_names_are_cut_to_31_characters():
    name = sheet_name("高平市南城派出所" * 5)

    assert len(name) == 31
    assert name.startswith("高平市南城派出所")


def test_sheet_names_count_characters_outside_the_bmp_twice():
    assert sheet_name("😀" * 20) == "😀" * 15


def test_sheet_names_may_not_start_or_end_with_an_apostrophe():
    assert sheet_name("'统计'") == "统计"


def test_unique_sheet_name_ignores_case_and_keeps_the_suffix_within_the_limit():
    taken = {"a" * 31}

    assert unique_sheet_name("A" * 40, taken) == "A" * 28 + "(2)"


def test_history_is_reserved_by_excel():
    assert unique_sheet_name("History", set()) == "History(2)"
