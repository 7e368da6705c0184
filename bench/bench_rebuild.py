"""Time the rebuild of the dashboard summaries from the registers on PostgreSQL.

Run: python bench/bench_rebuild.py [--disputes 100000] [--compare /path/to/other/checkout]
         [--database postgresql+psycopg://postgres@127.0.0.1:5432/portal_rebuild]
Builds the named database afresh (dropped first, and again afterwards unless --keep) with
bench_province's COPY load — one conference per ten disputes, fifteen invitations each —
then rebuilds the summaries (`upkeep.rebuild`, in its short batches) in a process of its
own, once with this checkout's code and, given --compare, once with another checkout's on
the same data, and prints the seconds of each and their ratio.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# Run in a fresh interpreter with the checkout to time first on the path.
TIMED = """
import sys, time
sys.path.insert(0, sys.argv[1])
from portal import create_app
from portal.extensions import db
from portal.statistics import upkeep
app = create_app("testing", SQLALCHEMY_DATABASE_URI=sys.argv[2], PORTAL_KEYS_DIR=sys.argv[3])
with app.app_context():
    began = time.perf_counter()
    assert upkeep.rebuild()
    print(f"{time.perf_counter() - began:.2f}")
    counts = [db.session.execute(db.text(f"SELECT count(*), coalesce(sum({m}), 0) FROM {t}")).one()
              for t, m in (("statistics_dispute_periods", "registered"),
                           ("statistics_invitation_periods", "invited"),
                           ("statistics_invitations", "1"), ("statistics_conferences", "1"))]
    print(" ".join(f"{n}:{s}" for n, s in counts))
"""


def timed(root: Path, url: str, keys: Path) -> tuple[float, str]:
    done = subprocess.run([sys.executable, "-c", TIMED, str(root), url, str(keys)],
                          capture_output=True, text=True, cwd=root, check=False)
    if done.returncode:
        sys.exit(f"rebuild with {root} failed:\n{done.stderr[-3000:]}")
    seconds, counts = done.stdout.split("\n")[-3:-1]
    return float(seconds), counts


def main() -> int:
    import bench_province

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--compare", type=Path, help="Another checkout to time beside this one.")
    parser.add_argument("--database",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/portal_rebuild")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", action="store_true",
                        help="Time on the database a run with --keep left, without loading.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        keys = Path(scratch) / "keys"
        if not args.reuse:
            app = bench_province.build_app(args.database, keys)
            began = time.perf_counter()
            bench_province.load(app, args.disputes, seed=1, summarise=False)
            print(f"COPY load of {args.disputes:,} disputes: "
                  f"{time.perf_counter() - began:.0f} s")
            from portal.extensions import db

            with app.app_context():
                db.engine.dispose()
        results = {}
        for name, root in (("compared", args.compare), ("this", ROOT)):
            if root is not None:
                results[name] = timed(root.resolve(), args.database, keys)
                print(f"rebuild with {root}: {results[name][0]:.1f} s  ({results[name][1]})")
        if "compared" in results:
            before, after = results["compared"][0], results["this"][0]
            print(f"ratio {before:.1f} s / {after:.1f} s = {before / after:.1f}x; "
                  f"same summaries: {results['compared'][1] == results['this'][1]}")
        if not args.keep:
            bench_province.drop(args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
