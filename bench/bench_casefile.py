"""Time binding a case file: 3 conferences' minutes and 20 attachments.

The documents are rendered first and are not timed; the timed part is
build_casefile (contents, page-number stamps, merge). Target: under 5 s.

Run: python bench/bench_casefile.py [runs]
"""

from __future__ import annotations

import dataclasses
import resource
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_minutes_pdf import long_minutes  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from reports.casefile import Section, build_casefile  # noqa: E402
from reports.minutes import render_minutes_pdf  # noqa: E402


def attachment(number: int) -> bytes:
    # Attachments of 1–5 pages, every fourth one landscape like a photo sheet.
    size = "A4 landscape" if number % 4 == 0 else "A4"
    pages = "".join(
        f'<p style="break-after: page">证据材料{number} 第{page}页：'
        + "现场情况说明。" * 120
        + "</p>"
        for page in range(1, number % 5 + 2)
    )
    return HTML(string=f"<style>@page {{ size: {size} }}</style>{pages}").write_pdf()


def sections() -> list[Section]:
    doc = long_minutes()
    minutes = [
        Section(f"第{n}次联席会商纪要", render_minutes_pdf(dataclasses.replace(doc, version=n)))
        for n in (1, 2, 3)
    ]
    return minutes + [Section(f"证据材料{n}", attachment(n)) for n in range(1, 21)]


def main(runs: int = 3) -> None:
    parts = sections()
    times, size, pages = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        pdf = build_casefile("东关村多户纠纷调解卷宗", "南城调〔2026〕0099号", parts)
        times.append(time.perf_counter() - started)
        size, pages = len(pdf), len(PdfReader(BytesIO(pdf)).pages)
    print(f"sections: {len(parts)}, pages: {pages}, size: {size / 1024 / 1024:.1f} MiB")
    print(f"build_casefile median of {runs}: {statistics.median(times):.3f} s (target < 5 s)")
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {self_mb:.0f} MiB, largest render worker {child_mb:.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
