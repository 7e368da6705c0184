"""How long `portal` takes to start, next to a bare `import flask` in the same run.

Run: python bench/bench_cli.py   (target: `portal --help` and `portal scheduler --once`
with nothing due under 0.8 s each; the CPU column is what the process itself used, which a
busy machine inflates much less than the wall time)

Every command runs in a fresh process, interleaved with the others so that a busy machine
slows them alike; the first round only warms the bytecode caches and is not counted. The
scheduler ticks against a freshly migrated SQLite database in a temporary directory, once
beforehand so that nothing is due when it is timed (the monthly report is made then).
Each portal command also runs once under ``-X importtime``, to name any of the libraries
that only rendering, sealing, calendar files, uploads, spreadsheets or migrations need that
it loaded (tests/test_startup.py keeps that list empty).
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORTAL = [sys.executable, "-c", "from portal.cli import run; run()"]
ROUNDS = 7
TARGET_S = 0.8
HEAVY = {"weasyprint", "pyhanko", "pyhanko_certvalidator", "aiohttp", "pypdf", "PIL",
         "openpyxl", "segno", "alembic", "apscheduler", "fontTools", "pypinyin", "icalendar",
         "dateutil"}


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """Wall time, and the CPU time the process used (user + system): on a shared machine the
    wall time also counts waiting for a core, the CPU time much less so."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=env["BENCH_CWD"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_imports(command: list[str], env: dict) -> list[str]:
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=env,
                          cwd=env["BENCH_CWD"], check=True, capture_output=True, text=True)
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0]
             for line in done.stderr.splitlines() if line.startswith("import time:")}
    return sorted(names & HEAVY)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        env = {key: value for key, value in os.environ.items()
               if key not in {"PYTHONDONTWRITEBYTECODE", "PORTAL_ENV", "DATABASE_URL"}}
        env.update(PYTHONPATH=str(ROOT), PORTAL_ENV="production", BENCH_CWD=directory,
                   SECRET_KEY="bench-" + "x" * 32,
                   DATABASE_URL=f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        subprocess.run([*PORTAL, "db", "upgrade"], env=env, cwd=directory, check=True,
                       capture_output=True)
        commands = {
            'python -c "import flask"': [sys.executable, "-c", "import flask"],
            "portal --help": [*PORTAL, "--help"],
            "portal scheduler --once": [*PORTAL, "scheduler", "--once"],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(ROUNDS + 1):
            for name, command in commands.items():
                elapsed, used = timed(command, env)
                if round_number:
                    samples[name].append(elapsed)
                    cpu[name].append(used)
        heavy = {name: heavy_imports(command, env) for name, command in commands.items()
                 if name.startswith("portal")}
    flask = statistics.median(samples['python -c "import flask"'])
    flask_cpu = statistics.median(cpu['python -c "import flask"'])
    print(f"{'command':<28} {'median':>8} {'min':>8} {'x flask':>8} {'CPU':>7} {'x flask':>8}"
          "  heavy libraries loaded")
    failed = False
    for name, values in samples.items():
        median = statistics.median(values)
        used = statistics.median(cpu[name])
        loaded = ", ".join(heavy[name]) or "none" if name in heavy else ""
        print(f"{name:<28} {median:>7.2f}s {min(values):>7.2f}s {median / flask:>7.1f}x "
              f"{used:>6.2f}s {used / flask_cpu:>7.1f}x  {loaded}")
        failed |= name.startswith("portal") and (median > TARGET_S or bool(heavy[name]))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
