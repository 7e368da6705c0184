"""Benchmark the city-platform CSV import: time and memory per file size, on either database.

Run: python bench/bench_import.py [--rows 50000 ...] [--database postgresql+psycopg://...]
Builds a fresh database (migrations and the Nancheng demo setting; a PostgreSQL URL names a
database this script drops and creates), writes a synthetic export of each size (two
parties per row, as the platform's files have) and imports it as the demo convener, the
way `portal import-disputes` and a background job do. It prints the seconds, the rows per
second and the process's peak memory, and checks that the audit chain is intact.
Target: 50,000 rows under 60 s with memory that does not grow with the file.
"""

import argparse
import csv
import io
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402


def export(rows: int, start: int, villages: list[str], seed: int = 1) -> bytes:
    from portal.demo.generator import id_number, person_name, phone_number
    from portal.disputes.importer import COLUMNS

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(start, start + rows):
        a, b = person_name(rng), person_name(rng)
        born = date(1970, 1, 1) + timedelta(days=rng.randrange(15_000))
        parties = (f"{a}|申请人|{id_number(rng, born)}|{phone_number(rng)}|"
                   f"{rng.choice(villages)}一组;"
                   f"{b}|被申请人|||")
        writer.writerow([f"GPSJ-B-{n}", f"{a}与{b}欠薪纠纷", "劳资纠纷", rng.choice("123"),
                         rng.choice(villages), "12345热线", rng.choice("低中高"), "2026-01-05",
                         f"{a}反映{b}拖欠工资三个月，多次讨要未果。", "支付拖欠工资",
                         str(rng.randrange(1000, 90000)), parties])
    return out.getvalue().encode("utf-8")


def build_app(url: str, keys: Path):
    from flask_migrate import upgrade

    from portal import create_app

    if url.startswith("postgresql"):
        target = make_url(url)
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(
                f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, PORTAL_DEMO=True,
                     PORTAL_KEYS_DIR=str(keys), PORTAL_REFERENCE_DIGITS=6)
    with app.app_context():
        upgrade()
        from portal import demo
        from portal.minutes.sealing import init_local

        init_local("南城街道综治中心")
        demo.seed()
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--database", help="SQLAlchemy URL; default a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(args.database or f"sqlite:///{Path(tmp) / 'import.sqlite3'}",
                        Path(tmp) / "keys")
        with app.app_context():
            from portal.audit.services import verify_chain
            from portal.disputes.importer import import_csv
            from portal.extensions import db
            from portal.orgs.models import User, Village

            villages = list(db.session.scalars(sa.select(Village.name)))
            start = 0
            print(f"{'rows':>8} {'MB':>6} {'seconds':>8} {'rows/s':>8} {'peak RSS MB':>12}")
            for rows in args.rows:
                data = export(rows, start, villages)
                start += rows
                convener = db.session.scalar(sa.select(User).where(User.username == "convener"))
                began = time.perf_counter()
                result = import_csv(convener, data)
                took = time.perf_counter() - began
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"{result.count:>8} {len(data) / 2**20:>6.1f} {took:>8.1f} "
                      f"{rows / took:>8.0f} {peak:>12.0f}")
                db.session.remove()
            print("audit chain intact:", verify_chain().intact)


if __name__ == "__main__":
    main()
