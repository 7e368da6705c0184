"""Time the minutes PDF of a long conference against WeasyPrint on the same HTML.

Our path (render_minutes_pdf) adds the template, the content hash, the QR
code, PDF/A output and the sandboxed worker process; the baseline is a plain
``HTML(string=...).write_pdf()`` of the final HTML. Targets: overhead under
25 %, median under 1 s.

Run: python bench/bench_minutes_pdf.py [runs]
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from reports.minutes import (  # noqa: E402
    ActionItem,
    AttendanceStatus,
    Attendee,
    FourAccounts,
    Minutes,
    Opinion,
    Outcome,
    Signature,
    render_minutes_html,
    render_minutes_pdf,
)
from reports.pdf import ASSET_DIR  # noqa: E402

BODIES = [
    "南城人民法庭", "南城司法所", "南城派出所", "生态环境分局", "住建局", "交警中队",
    "妇联", "教育局", "劳动仲裁院", "质监站", "自然资源所", "卫体局", "驻村律师", "村民调解委员会",
]  # fmt: skip
PARAGRAPH = (
    "经核实，双方争议的宅基地位于村东侧，1985年确权时以老槐树为界，"
    "此后两家分别翻建房屋，界址标志灭失，双方各执一词，多次发生口角并报警。"
)


def long_minutes() -> Minutes:
    start = datetime(2026, 3, 5, 6, 30, tzinfo=UTC)
    attendance = [
        Attendee(
            f"参会人{i:02d}",
            BODIES[i % len(BODIES)],
            "调解员",
            AttendanceStatus.LATE if i % 7 == 0 else AttendanceStatus.PRESENT,
            delegate_of="所长" if i % 5 == 0 else "",
            signed_in_at=start + timedelta(minutes=i),
        )
        for i in range(22)
    ]
    parties = ["张三", "李四", "王五"]
    return Minutes(
        number="南城矛〔2026〕0099号",
        version=3,
        title="关于东关村多户宅基地及劳资纠纷联席会商的会议纪要",
        issuer="南城派出所矛盾纠纷联席会商",
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        place="南城派出所致和调解室",
        convener="王建国",
        secretary="李秀兰",
        case_summary="\n\n".join([PARAGRAPH] * 4),
        attendance=attendance,
        accounts=[FourAccounts(p, PARAGRAPH, PARAGRAPH, PARAGRAPH, PARAGRAPH) for p in parties],
        opinions=[Opinion(body, f"发言人{i}", PARAGRAPH) for i, body in enumerate(BODIES[:12])],
        outcome=Outcome.PARTIAL,
        agreed_terms=[f"第{i}项议定事项：{PARAGRAPH[:40]}" for i in range(1, 9)],
        referral="其余争议引导至人民法庭诉讼解决",
        action_items=[
            ActionItem(
                BODIES[i % 14], f"责任人{i}", PARAGRAPH[:30], date(2026, 4, i + 1), "书面反馈"
            )
            for i in range(12)
        ],
        next_steps=["申请司法确认", "一个月后回访", "劳资部分移送劳动仲裁"],
        body="\n\n".join(f"**发言{i}**：{PARAGRAPH}" for i in range(6)),
        signatures=[
            Signature(a.name, a.body, start + timedelta(hours=5, minutes=i))
            for i, a in enumerate(attendance[:20])
        ],
        issued=True,
        verify_url="https://portal.example.cn/verify/minutes/99",
    )


def main(runs: int = 7) -> None:
    doc = long_minutes()
    html = render_minutes_html(doc)
    base_url = ASSET_DIR.as_uri() + "/"

    def ours() -> bytes:
        return render_minutes_pdf(doc)

    def plain() -> bytes:
        return HTML(string=html, base_url=base_url).write_pdf()

    pages = len(PdfReader(BytesIO(ours())).pages)
    plain()  # both paths start with fonts loaded and caches warm
    ours_times, plain_times = [], []
    for _ in range(runs):
        for func, times in ((ours, ours_times), (plain, plain_times)):
            started = time.perf_counter()
            func()
            times.append(time.perf_counter() - started)

    ours_median, plain_median = statistics.median(ours_times), statistics.median(plain_times)
    print(f"pages: {pages}, runs: {runs}")
    print(f"render_minutes_pdf median: {ours_median:.3f} s (target < 1 s)")
    print(f"plain WeasyPrint median:   {plain_median:.3f} s")
    print(f"overhead: {100 * (ours_median / plain_median - 1):+.1f} % (target < 25 %)")
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {self_mb:.0f} MiB, largest render worker {child_mb:.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
