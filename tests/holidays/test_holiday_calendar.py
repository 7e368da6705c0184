"""The station's holiday calendar: entered on the admin page or from a CSV file, it decides
working days everywhere, is audited, and `portal doctor` asks for next year's from November."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.calendar import services as calendar_services
from portal.doctor import run_checks
from portal.extensions import db
from portal.holidays import services, workcal
from portal.holidays.models import HolidayEntry
from portal.orgs.models import Role
from scheduling.workcal import LAST_YEAR

YEAR = LAST_YEAR + 1  # the first year the packaged data lacks


def first_sunday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(6 - day.weekday()) % 7)


NEW_YEAR = date(YEAR, 1, 1)
MAKE_UP = first_sunday(YEAR, 2)
LINES = f"{NEW_YEAR},holiday,元旦\n{MAKE_UP},workday\n"


def page(client, year=YEAR):
    return client.get(f"/admin/holidays/{year}").get_data(as_text=True)


def test_an_admin_previews_then_saves_a_year_and_it_decides_working_days(client, make, login):
    admin = make.user(Role.ADMIN)
    client = login(admin)
    assert str(YEAR) in calendar_services.horizon_notice(14, datetime(YEAR - 1, 12, 28,
                                                                      tzinfo=UTC))
    preview = client.post(f"/admin/holidays/{YEAR}", data={"lines": LINES, "preview": "y"})
    text = preview.get_data(as_text=True)
    assert "预览（未保存）" in text
    assert f'data-day="{NEW_YEAR}" data-kind="holiday" title="元旦"' in text
    assert f'data-day="{MAKE_UP}" data-kind="makeup"' in text
    assert db.session.scalars(sa.select(HolidayEntry)).all() == []

    saved = client.post(f"/admin/holidays/{YEAR}", data={"lines": LINES, "save": "y"},
                        follow_redirects=True).get_data(as_text=True)
    assert f"{YEAR} 年的节假日已保存。" in saved
    calendar = workcal.working_calendar()
    assert not calendar.is_working_day(NEW_YEAR) and calendar.holiday_name(NEW_YEAR) == "元旦"
    assert calendar.is_working_day(MAKE_UP)
    assert calendar.is_working_day(date(YEAR, 1, 4)) and not calendar.is_working_day(
        first_sunday(YEAR, 3))
    assert calendar_services.horizon_notice(14, datetime(YEAR - 1, 12, 28, tzinfo=UTC)) is None
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "holidays.year_saved")).one()
    assert event.actor_id == admin.id and f"{NEW_YEAR} holiday 元旦" in event.changes
    assert f"{NEW_YEAR},holiday,元旦" in page(client)

    client.post(f"/admin/holidays/{YEAR}", data={"lines": "", "save": "y"})
    assert not workcal.working_calendar().covers(YEAR)
    removed = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "holidays.year_saved").order_by(AuditEvent.seq.desc())).first()
    assert f"{NEW_YEAR} holiday 元旦" in removed.changes and '"set": []' in removed.changes


def test_wrong_lines_are_listed_and_nothing_changes(client, make, login):
    client = login(make.user(Role.ADMIN))
    typed = f"{NEW_YEAR},holiday,元旦\n{YEAR}-13-01,holiday,无\n{date(YEAR, 1, 6)},workday\n" \
            f"{MAKE_UP},rest\n{YEAR - 1}-12-31,holiday,除夕\n"
    text = client.post(f"/admin/holidays/{YEAR}", data={"lines": typed, "save": "y"}) \
        .get_data(as_text=True)
    assert "未保存任何内容：有 4 行需要更正。" in text
    assert f"“{YEAR}-13-01”不是形如 2027-01-01 的日期。" in text
    assert "只有星期六或星期日才能是调休上班日" in text
    assert "既不是 holiday（休）也不是 workday（班）" in text
    assert f"不在 {YEAR} 年内" in text
    assert f"{YEAR}-13-01,holiday,无" in text  # what was typed stays in the form
    assert db.session.scalars(sa.select(HolidayEntry)).all() == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "holidays.year_saved")) == 0


def test_a_gbk_csv_file_is_imported_whole(client, make, login):
    client = login(make.user(Role.ADMIN))
    data = f"日期,类型,名称\n{NEW_YEAR},休,元旦\n{MAKE_UP},班\n".encode("gbk")
    response = client.post("/admin/holidays/import",
                           data={"file": (__import__("io").BytesIO(data), "2027.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert f"已导入 {YEAR} 年的 2 天。" in response.get_data(as_text=True)
    assert {(e.day, e.working) for e in db.session.scalars(sa.select(HolidayEntry))} == {
        (NEW_YEAR, False), (MAKE_UP, True)}


def test_only_admins_open_the_holiday_calendar(client, make, login):
    client = login(make.user(Role.CONVENER))
    assert client.get(f"/admin/holidays/{YEAR}").status_code == 403
    assert client.post(f"/admin/holidays/{YEAR}",
                       data={"lines": LINES, "save": "y"}).status_code == 403
    assert db.session.scalars(sa.select(HolidayEntry)).all() == []


def test_the_missing_year_warning_links_to_the_page(ctx, app):
    with app.test_request_context():
        notice = str(calendar_services.unknown_holidays_notice([YEAR]))
    assert f'href="/admin/holidays/{YEAR}"' in notice and str(YEAR) in notice


def test_doctor_asks_for_next_years_holidays_from_november(ctx, monkeypatch, make):
    def checks_on(day):
        monkeypatch.setattr(services, "local_today", lambda: day)
        return {check.name: check for check in run_checks()}["holiday calendar"]

    assert checks_on(date(LAST_YEAR, 10, 31)).ok
    warned = checks_on(date(LAST_YEAR, 11, 1))
    assert not warned.ok and str(YEAR) in warned.detail
    assert f"/admin/holidays/{YEAR}" in warned.fix
    services.save_year(make.user(Role.ADMIN), YEAR, services.parse(LINES, YEAR))
    assert checks_on(date(LAST_YEAR, 11, 1)).ok
