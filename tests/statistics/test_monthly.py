"""The monthly report: exactly one per month, whoever asks and however often."""

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.orgs.models import Role
from portal.statistics import services
from portal.statistics.models import MonthlyReport
from tests.factories import run_jobs
from tests.statistics.conftest import SHANGHAI, utc
from tests.transactions import committed


def count_reports() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(MonthlyReport))


def test_report_is_a_pdf_with_the_month_in_it(world):
    report = services.generate_monthly_report("2026-03", utc(2026, 4, 1, 2))
    assert report.pdf.startswith(b"%PDF-")
    assert report.month == "2026-03" and report.size == len(report.pdf)


def test_called_twice_makes_one_report(world):
    first = services.generate_monthly_report("2026-03", utc(2026, 4, 1, 2))
    second = services.generate_monthly_report("2026-03", utc(2026, 4, 1, 3))
    assert first.id == second.id and count_reports() == 1


def test_restarted_scheduler_finds_the_stored_report(app, world):
    committed(services.generate_monthly_report("2026-03", utc(2026, 4, 1, 2)))
    db.session.remove()  # a new process: nothing in memory
    with app.app_context():
        assert services.run_due(utc(2026, 4, 2, 2)) is None  # nothing more to do
        assert count_reports() == 1


def test_concurrent_calls_make_one_report(app, world):
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                results.append(committed(services.generate_monthly_report(
                    "2026-03", utc(2026, 4, 1, 2))).id)
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(results)) == 1
    assert count_reports() == 1


@pytest.mark.parametrize(("now", "due"), [
    (utc(2026, 10, 7, 2), None),  # the National Day holidays: the 8th is the first working day
    (utc(2026, 10, 8, 1), "2026-09"),
    (utc(2026, 3, 2, 1), "2026-02"),  # 1 March 2026 is a Sunday
    (utc(2026, 3, 1, 1), None),
    (utc(2027, 1, 4, 1), "2026-12"),  # beyond the holiday data: Monday to Friday count
])
def test_due_from_the_first_working_day(ctx, now, due):
    assert services.report_due(now, SHANGHAI) == due


def test_admin_generates_on_demand_and_downloads(world, make, login):
    client = login(make.user(Role.ADMIN, language="en"))
    response = client.post("/statistics/reports", data={"month": "2026-03"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    again = client.post("/statistics/reports", data={"month": "2026-03"})
    assert again.headers["Location"] == response.headers["Location"]  # one job
    assert count_reports() == 0
    run_jobs()
    assert count_reports() == 1
    pdf = client.get("/statistics/reports/2026-03.pdf")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF-")
    assert client.get("/statistics/reports/2026-02.pdf").status_code == 404


def _text(pdf: bytes) -> str:
    import subprocess

    return "".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                  check=True).stdout.decode().split())


def test_asking_again_issues_a_new_edition_and_keeps_the_first(world, make, login):
    client = login(make.user(Role.ADMIN, language="en"))
    client.post("/statistics/reports", data={"month": "2026-03"})
    run_jobs()
    first = client.get("/statistics/reports/2026-03.pdf?edition=1").get_data()
    client.post("/statistics/reports", data={"month": "2026-03"})
    run_jobs()
    assert count_reports() == 2
    assert client.get("/statistics/reports/2026-03.pdf?edition=1").get_data() == first
    latest = _text(client.get("/statistics/reports/2026-03.pdf").get_data())
    assert "2026-03（第2版）" in latest and "本报告第2版取代第1版" in latest
    # The one issuing body of every document heads the report, not the station.
    assert latest.startswith("南城矛盾纠纷联席会商办公室")


def test_a_month_not_yet_ended_is_refused(world, make, login):
    client = login(make.user(Role.ADMIN, language="en"))
    today = date.today()
    client.post("/statistics/reports", data={"month": f"{today:%Y-%m}"})
    client.post("/statistics/reports", data={"month": "13-2026"})
    assert count_reports() == 0


def test_cli_makes_the_report_once(app, world):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["statistics", "monthly", "--month", "2026-03"])
    second = runner.invoke(args=["statistics", "monthly", "--month", "2026-03"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert first.output == second.output
    assert count_reports() == 1


def test_scheduler_tick_makes_the_report_once_across_restarts(app, world):
    from portal.scheduler.tick import run_tick

    run_tick(app, utc(2026, 4, 1, 1))
    run_tick(app, utc(2026, 4, 1, 2))  # a restarted scheduler ticks again
    assert count_reports() == 0  # the scheduler only plans
    db.session.rollback()
    assert run_jobs() == 1
    assert count_reports() == 1
    assert db.session.scalar(sa.select(MonthlyReport.month)) == "2026-03"
