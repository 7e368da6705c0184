"""Documents for the reports tests: one conference as a secretary would record it."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from reports.agreement import (
    MediationAgreement,
    Obligation,
    Party,
    PaymentMethod,
    Responsibility,
    Sex,
)
from reports.minutes import (
    ActionItem,
    AttendanceStatus,
    Attendee,
    FourAccounts,
    Minutes,
    Opinion,
    Outcome,
    Signature,
    render_minutes_pdf,
)


def _make_minutes(**changes) -> Minutes:
    doc = Minutes(
        number="南城会纪〔2026〕9号",
        version=1,
        title="关于东关村宅基地边界纠纷联席会商的会议纪要",
        issuer="南城派出所矛盾纠纷联席会商",
        starts_at=datetime(2026, 3, 5, 6, 30, tzinfo=UTC),
        ends_at=datetime(2026, 3, 5, 8, 45, tzinfo=UTC),
        place="南城派出所致和调解室",
        convener="王建国",
        secretary="李秀兰",
        case_summary="东关村村民**张三**与李四因宅基地边界发生争执，已持续两年。",
        attendance=(
            Attendee("赵法官", "南城人民法庭", "庭长", acknowledged=True),
            Attendee("钱明", "南城司法所", "所长助理", delegate_of="孙所长", acknowledged=True),
            Attendee("王建国", "南城派出所", "所长", acknowledged=True),
            Attendee(
                "周红",
                "自然资源所",
                "行业调解员",
                AttendanceStatus.LATE,
                signed_in_at=datetime(2026, 3, 5, 6, 50, tzinfo=UTC),
            ),
            Attendee("吴律师", "驻村律师", "律师", AttendanceStatus.APOLOGIES),
        ),
        accounts=(
            FourAccounts("张三", "觉得受了欺负", "两家三代交好", "诉讼耗时两年", "多得半米地"),
            FourAccounts("李四", "担心丢面子", "不愿再起冲突", "影响子女就业", "保住院墙"),
        ),
        opinions=(
            Opinion("南城人民法庭", "赵法官", "建议依据1985年确权图重新测量。"),
            Opinion("自然资源所", "周红", "可于一周内组织复测。"),
        ),
        outcome=Outcome.AGREEMENT,
        agreed_terms=("以复测界址为准", "李四于三十日内拆除越界围墙"),
        action_items=(
            ActionItem("自然资源所", "周红梅", "组织复测", date(2026, 3, 12), "书面报告召集人"),
        ),
        next_steps=("申请司法确认",),
        body="双方各自陈述了诉求。\n\n- 张三要求恢复原界址\n- 李四同意复测",
        agenda=("听取双方陈述", "确定复测方案"),
        dispute_reference="南城矛〔2026〕0009号",
        signatures=(
            Signature("赵法官", "南城人民法庭", datetime(2026, 3, 5, 9, 0, tzinfo=UTC)),
            Signature("王建国", "南城派出所", refusal_reason="对第二项有保留意见"),
        ),
        issued=False,
        verify_url="https://portal.example.cn/verify/minutes/1",
    )
    return dataclasses.replace(doc, **changes)


@pytest.fixture
def make_minutes():
    """Builds the sample minutes with the given fields replaced."""
    return _make_minutes


@pytest.fixture
def draft_minutes() -> Minutes:
    return _make_minutes()


@pytest.fixture
def issued_minutes() -> Minutes:
    return _make_minutes(issued=True, issued_on=date(2026, 3, 5))


@pytest.fixture
def pdf_text():
    return _pdf_text


@pytest.fixture
def page_texts():
    return _page_texts


def _pdf_text(pdf: bytes, *, page: int | None = None) -> str:
    """Text of a PDF as poppler's pdftotext lays it out (one page if ``page`` is given)."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


@pytest.fixture(scope="session")
def draft_pdf() -> bytes:
    return render_minutes_pdf(_make_minutes())


@pytest.fixture(scope="session")
def issued_pdf() -> bytes:
    return render_minutes_pdf(_make_minutes(issued=True, issued_on=date(2026, 3, 5)))


def _page_texts(pdf: bytes) -> list[str]:
    """Text of every page as pypdf extracts it (keeps rotated text in one piece)."""
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def _make_agreement(**changes) -> MediationAgreement:
    agreement = MediationAgreement(
        number="南城调〔2026〕0007号",
        version=1,
        committee="东关村人民调解委员会",
        mediators=("刘德华",),
        invited_mediator="周红（自然资源所）",
        parties=(
            Party(
                "甲方",
                "张三",
                Sex.MALE,
                "高平市南城街道东关村12号",
                "13800000001",
                birth_date=date(1968, 4, 2),
                ethnicity="汉族",
            ),
            Party(
                "乙方",
                "李四",
                Sex.FEMALE,
                "高平市南城街道东关村14号",
                "13800000002",
                id_number="140581197203150021",
            ),
        ),
        facts="两家宅基地相邻，乙方2024年翻建院墙时越界约半米。",
        issues="院墙是否越界及越界部分如何处理。",
        responsibilities=(
            Responsibility("乙方", "翻建院墙前未与甲方确认界址，负主要责任。"),
            Responsibility("甲方", "发生争执后拆毁部分院墙，负次要责任。"),
        ),
        obligations=(
            Obligation("李四", "拆除越界部分院墙", date(2026, 4, 5),
                       manner="自行拆除，村委会到场见证"),
            Obligation("张三", "赔偿乙方院墙损失人民币2000元", date(2026, 3, 20),
                       method=PaymentMethod.CASH),
        ),
        signed_on=date(2026, 3, 6),
        place="南城派出所致和调解室",
        verify_url="https://portal.example.cn/verify/agreements/7",
    )
    return dataclasses.replace(agreement, **changes)


@pytest.fixture
def make_agreement():
    return _make_agreement
