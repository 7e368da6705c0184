"""Importing the city platform's CSV export: all rows or none, every problem with its line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.disputes import timeline
from portal.disputes.importer import COLUMNS, ImportRejected, import_csv
from portal.disputes.models import (
    Category,
    Dispute,
    DisputeEvent,
    Party,
    PartyRole,
    Risk,
    Source,
    Status,
)
from portal.errors import NotAllowed
from portal.extensions import db
from portal.orgs.models import Role
from tests.transactions import committed

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOOD_ROW = {
    "平台编号": "GPSJ-1", "标题": "宅基地边界纠纷", "类别": "土地山林纠纷", "层级": "2",
    "村社区": "米山村", "来源": "12345热线", "风险等级": "中", "发生日期": "2026-01-05",
    "简要情况": "两户因院墙位置发生争执", "诉求": "确认边界", "争议金额": "1,200.50",
    "当事人": "毕国强|申请人|140581196803120414|13835612345|米山村三组;"
              "毕建军|被申请人||0356-5218866|",
}


def _csv(*rows: dict, header=COLUMNS, encoding="utf-8") -> bytes:
    def line(cells):
        return ",".join(f'"{cell}"' if ("," in cell or "\n" in cell) else cell
                        for cell in cells)

    lines = [line(header)] + [line([row.get(name, "") for name in header]) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _row(number: int = 1, **changes) -> dict:
    return {**GOOD_ROW, "平台编号": f"GPSJ-{number}", **changes}


@pytest.fixture
def convener(make):
    for name in ("米山村", "北关社区", "南城社区"):
        make.village(name=name)
    return make.user(Role.CONVENER)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _assert_nothing_written():
    assert _count(Dispute) == _count(Party) == _count(DisputeEvent) == 0
    assert _count(AuditEvent) == 0


def _rejected(convener, data: bytes) -> ImportRejected:
    before = [_count(model) for model in (Dispute, Party, DisputeEvent, AuditEvent)]
    with force_locale("en"), pytest.raises(ImportRejected) as caught:
        import_csv(convener, data)
    db.session.rollback()
    assert [_count(model) for model in (Dispute, Party, DisputeEvent, AuditEvent)] == before
    return caught.value


def _problems(convener, data: bytes) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in _rejected(convener, data).errors]


def test_imports_the_utf8_example_file(convener):
    result = import_csv(convener, (EXAMPLES / "city-platform-export.csv").read_bytes())

    assert result.count == 3
    disputes = db.session.scalars(sa.select(Dispute).order_by(Dispute.serial)).all()
    assert [d.serial for d in disputes] == [1, 2, 3]
    assert disputes[0].reference.endswith(f"〔{disputes[0].year}〕0001号")
    wages = disputes[1]
    assert wages.source is Source.CITY_PLATFORM and wages.external_ref == "GPSJ-2026-110587"
    assert wages.category is Category.LABOUR_WAGES and wages.tier == 3
    assert wages.risk is Risk.HIGH and wages.amount == Decimal("186400.00")
    assert wages.village.name == "北关社区" and wages.status is Status.REPORTED
    assert wages.reporter_id == convener.id and wages.due_on is not None
    assert [(p.name, p.role) for p in wages.parties] == [
        ("王小兵", PartyRole.APPLICANT), ("山西某建筑工程有限公司", PartyRole.RESPONDENT),
        ("李志明", PartyRole.THIRD_PARTY)]
    assert wages.parties[1].id_number is None and wages.parties[2].phone == "0356-5218866"
    assert [(e.action, e.to_status) for e in wages.events] == [("imported", Status.REPORTED)]
    assert "网格上报" in timeline.detail(wages.events[0])
    actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions == ["dispute.imported"] * 3 + ["disputes.imported"]
    assert verify_chain().intact


def test_imports_utf8_with_bom(convener):
    data = b"\xef\xbb\xbf" + (EXAMPLES / "city-platform-export.csv").read_bytes()
    assert import_csv(convener, data).count == 3


def test_imports_gbk(convener):
    data = (EXAMPLES / "city-platform-export-gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = import_csv(convener, data)
    assert result.count == 3
    assert db.session.get(Dispute, result.ids[0]).parties[0].name == "毕国强"


def test_imports_continue_the_reference_sequence(convener, make):
    make.dispute(reporter=convener)
    import_csv(convener, _csv(_row(1), _row(2)))
    serials = db.session.scalars(sa.select(Dispute.serial).order_by(Dispute.serial)).all()
    assert serials == [1, 2, 3]


def test_accepts_enum_names_and_leaves_optional_columns_out(convener):
    header = ("平台编号", "标题", "类别", "村社区", "简要情况", "当事人")
    row = _row(**{"类别": "debt_contract",
                  "当事人": "张三|APPLICANT|11010519491231002x|13812345678"})
    [ident] = import_csv(convener, _csv(row, header=header)).ids
    dispute = db.session.get(Dispute, ident)
    assert dispute.category is Category.DEBT_CONTRACT and dispute.tier == 1
    assert dispute.risk is Risk.LOW and dispute.amount is None
    assert dispute.parties[0].id_number == "11010519491231002X"


def test_needs_the_import_permission(convener, make):
    with pytest.raises(NotAllowed):
        import_csv(make.user(Role.GRID_WORKER), _csv(_row()))
    _assert_nothing_written()


def test_wrong_headers_name_the_missing_and_unknown_columns(convener):
    header = ("编号", "标题", "类别", "村社区", "简要情况", "当事人", "备注")
    rejected = _rejected(convener, _csv(_row(), header=header))
    assert "Missing columns: 平台编号." in rejected.message
    assert "Unknown columns: 编号、备注." in rejected.message
    assert [e.line for e in rejected.errors] == [1]


def test_repeated_header_is_refused(convener):
    rejected = _rejected(convener, _csv(_row(), header=(*COLUMNS, "标题")))
    assert "Repeated columns: 标题." in rejected.message


@pytest.mark.parametrize("data", [
    b"title,note\nA,caf\xe9\n",
    (EXAMPLES / "city-platform-export.csv").read_text(encoding="utf-8").encode("utf-16"),
], ids=["latin-1", "utf-16"])
def test_refuses_bytes_that_are_neither_utf8_nor_gbk(convener, data):
    rejected = _rejected(convener, data)
    assert "neither UTF-8 nor GBK" in rejected.message


def test_undecodable_bytes_are_located_by_line(convener):
    data = _csv(_row(1), _row(2)) + "GPSJ-9,坏".encode() + b"\xff\xfe\n"
    assert "line 4" in _rejected(convener, data).message


def test_refuses_an_excel_workbook_and_an_empty_file(convener):
    assert "Excel workbook" in _rejected(convener, b"PK\x03\x04rest-of-zip").message
    assert "empty" in _rejected(convener, b"  \r\n").message
    assert "no disputes" in _rejected(convener, _csv()).message


@pytest.mark.parametrize("changes, problem", [
    ({"标题": ""}, "标题 is missing."),
    ({"简要情况": ""}, "简要情况 is missing."),
    ({"当事人": ""}, "当事人 is missing."),
    ({"标题": "长" * 121}, "标题 is too long: at most 120 characters."),
    ({"类别": "打架斗殴"}, "Unknown category “打架斗殴”"),
    ({"村社区": "火星村"}, "Unknown village or community “火星村”."),
    ({"层级": "4"}, "The tier must be 1, 2 or 3."),
    ({"风险等级": "极高"}, "Unknown risk level “极高”"),
    ({"发生日期": "2026-02-30"}, "发生日期 “2026-02-30” is not a date"),
    ({"发生日期": "2999-01-01"}, "The date it happened cannot be in the future."),
    ({"争议金额": "一千元"}, "争议金额 “一千” is not an amount in yuan"),
    ({"争议金额": "12.345"}, "争议金额 “12.345” is not an amount in yuan"),
    ({"争议金额": "-5"}, "The amount cannot be negative."),
    ({"争议金额": "1000000000000"}, "争议金额 is too large."),
    ({"当事人": "张三|原告"}, "Party 1 (张三): unknown role “原告”"),
    ({"当事人": "张三|申请人;|被申请人"}, "Party 2: the name is missing."),
    ({"当事人": "张三"}, "Party 1 (张三): the role is missing."),
    ({"当事人": "张三|申请人|1|2|3|4"}, "write a party as name|role|ID number|phone|address."),
    ({"当事人": "张三|申请人|110105194912310021"},
     "Party 1 (张三): the ID number's check digit is wrong."),
    ({"当事人": "张三|申请人|110105194913310020"}, "the ID number's birth date is not a real"),
    ({"当事人": "张三|申请人|11010519491231002"}, "must be 17 digits followed by a digit or X"),
    ({"当事人": "张三|申请人|1.10105E+17"}, "a spreadsheet turned the ID number into"),
    ({"当事人": "张三|申请人||12345"}, "“12345” is not a mobile number"),
], ids=str)
def test_each_bad_cell_is_reported_with_its_line(convener, changes, problem):
    data = _csv(_row(1), _row(2), _row(3, **changes), _row(4))
    problems = _problems(convener, data)
    assert len(problems) == 1, problems
    assert problems[0][0] == 4 and problem in problems[0][1]
    _assert_nothing_written()


def test_every_bad_row_is_listed_with_the_line_it_starts_on(convener):
    multiline = _row(1, **{"简要情况": "第一行\n第二行\n第三行"})
    data = _csv(multiline, _row(2, **{"类别": "?"}), _row(3),
                _row(4, **{"村社区": "?", "层级": "9"}))
    assert [line for line, _message in _problems(convener, data)] == [5, 7, 7]


def test_rows_with_the_wrong_number_of_cells_are_refused(convener):
    lines = _csv(_row(1), _row(3)).split(b"\r\n")
    lines.insert(2, "GPSJ-2,只有两格".encode())
    data = b"\r\n".join(lines)
    problems = _problems(convener, data)
    assert problems == [(3, "The row has 2 cells but the header row has 12.")]


def test_duplicate_platform_numbers_inside_the_file(convener):
    problems = _problems(convener, _csv(_row(1), _row(2), _row(1)))
    assert problems == [(4, "Platform number GPSJ-1 already appears on line 2.")]


def test_platform_numbers_already_registered(convener, make):
    existing = make.dispute(reporter=convener, external_ref="GPSJ-2")
    problems = _problems(convener, _csv(_row(1), _row(2)))
    assert problems == [(3, f"Platform number GPSJ-2 is already registered as "
                            f"{existing.reference}.")]
    assert _count(Dispute) == 1


def test_messages_are_in_chinese_by_default(convener):
    bad = _row(1, **{"当事人": "张三|申请人|110105194912310021"})
    with pytest.raises(ImportRejected) as caught:
        import_csv(convener, _csv(_row(2), _row(3), _row(4), _row(5), _row(6), bad))
    assert str(caught.value.errors[0]) == "第 7 行：当事人 1（张三）：身份证号校验位错误。"
    assert "未导入" in caught.value.message


def test_command_line_import_lists_the_problems_and_fails(app, convener, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv(_row(1), _row(2, **{"村社区": "火星村"})))
    result = app.test_cli_runner().invoke(
        args=["import-disputes", str(bad), "--as", convener.username])
    assert result.exit_code == 1
    assert "第 3 行：无法识别的村社区“火星村”。" in result.output
    assert _count(Dispute) == 0


def test_command_line_import(app, convener):
    result = app.test_cli_runner().invoke(args=[
        "import-disputes", str(EXAMPLES / "city-platform-export.csv"), "--as", convener.username])
    assert result.exit_code == 0, result.output
    assert "Imported 3 disputes" in result.output and _count(Dispute) == 3


def test_a_large_file_is_written_in_a_few_statements_per_thousand_rows(convener):
    statements = []

    def seen(*args):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        result = import_csv(convener, _csv(*(_row(n) for n in range(2_500))))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert result.count == 2_500 and _count(Dispute) == 2_500 and _count(Party) == 5_000
    assert len(statements) < 60
    assert verify_chain().intact
    assert _count(AuditEvent) == 2_501


def test_imported_disputes_are_counted_in_the_dashboard_summaries(convener):
    import uuid

    from portal.statistics import upkeep
    from portal.statistics.models import DisputePeriod, StatisticsVersion

    db.session.execute(sa.delete(StatisticsVersion))
    db.session.add(StatisticsVersion(id=1, token=uuid.uuid4().hex, n=0,
                                     summary_zone="UTC"))
    db.session.commit()
    version = db.session.scalar(sa.select(StatisticsVersion.n))
    committed(import_csv(convener, _csv(_row(1), _row(2), _row(3))))
    assert db.session.scalar(sa.select(StatisticsVersion.summary_zone)) == "UTC"
    assert db.session.scalar(sa.select(StatisticsVersion.n)) > version
    registered = sa.select(sa.func.sum(DisputePeriod.registered)).where(
        DisputePeriod.span == "month")
    kept = db.session.scalar(registered)
    upkeep.rebuild()
    assert kept == db.session.scalar(registered) == 3


def test_imported_disputes_are_found_by_search(convener):
    from portal.disputes import search

    import_csv(convener, _csv(_row(1)))
    found = search.matches("毕国强", db.engine.dialect.name)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(found)) == 1


def test_an_export_over_the_general_upload_limit_reaches_the_import(client, login, convener,
                                                                    app):
    import io

    login(convener)
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    data = b"PK\x03\x04" + b"\0" * size
    response = client.post("/disputes/import", data={
        "file": (io.BytesIO(data), "export.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "CSV UTF-8" in response.get_data(as_text=True)
    assert client.post("/disputes/new", data=b"x" * size).status_code == 413


def test_the_import_limit_applies_before_the_csrf_check_reads_the_body(client, login,
                                                                       convener, app,
                                                                       monkeypatch):
    import io

    login(convener)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    response = client.post("/disputes/import", data={
        "file": (io.BytesIO(b"x" * size), "export.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400  # refused for the missing token, not for its size
    monkeypatch.setitem(app.config, "PORTAL_IMPORT_MAX_MB", 1)
    response = client.post("/disputes/import", data={
        "file": (io.BytesIO(b"x" * size), "export.csv")}, content_type="multipart/form-data")
    assert response.status_code == 413
