"""What a clerk reads on the minutes: the parts in their order, and nothing bare or broken."""

import re
from datetime import UTC, date, datetime

from reports.minutes import ActionItem, Attendee, FourAccounts, Signature, render_minutes_pdf

SECTIONS = ("一、参会人员", "二、会商议程", "三、案情概要", "四、会商经过", "五、“四笔账”",
            "六、各方意见", "七、会商结果", "八、任务分工", "九、后续安排", "十、保密承诺",
            "十一、签字确认")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _in_order(text: str, parts) -> bool:
    positions = [text.find(part) for part in parts]
    return -1 not in positions and positions == sorted(positions)


def test_issued_minutes_carry_their_parts_in_order(issued_pdf, pdf_text):
    text = _flat(pdf_text(issued_pdf))
    head = ("南城派出所矛盾纠纷联席会商", "南城会纪〔2026〕9号", "关于东关村宅基地边界纠纷",
            "案件编号南城矛〔2026〕0009号")
    assert _in_order(text, head + SECTIONS)
    # The date of issue follows the issuing body at the end of the text, before signatures.
    assert _in_order(text, ("十、保密承诺", "南城派出所矛盾纠纷联席会商2026年3月5日",
                            "十一、签字确认"))


def test_number_has_no_zero_padding_and_no_version(issued_pdf, pdf_text):
    text = pdf_text(issued_pdf)
    assert "南城会纪〔2026〕9号" in text
    assert "第1版" not in text and "（第" not in text


def test_amendment_says_which_version_it_corrects_and_what(make_minutes, pdf_text):
    amended = make_minutes(version=2, corrects=1, correction="更正任务分工")
    text = _flat(pdf_text(render_minutes_pdf(amended, timeout=None)))
    assert "本纪要更正第1版：更正任务分工" in text


def test_agenda_is_its_own_section(issued_pdf, pdf_text):
    text = _flat(pdf_text(issued_pdf))
    assert _in_order(text, ("二、会商议程", "1.听取双方陈述", "2.确定复测方案", "三、案情概要"))


def test_confidentiality_statement_and_acknowledgements_are_printed(issued_pdf, pdf_text):
    text = _flat(pdf_text(issued_pdf))
    assert "负有保密义务" in text
    assert "已确认知悉并遵守：赵法官、钱明、王建国。" in text
    assert "未作确认：周红、吴律师。" in text


def test_empty_accounts_are_left_out_or_say_none(make_minutes, pdf_text):
    minutes = make_minutes(accounts=(FourAccounts("张三", "觉得受了欺负", "", " ", ""),
                                     FourAccounts("李四", "", "", "", "")))
    text = _flat(pdf_text(render_minutes_pdf(minutes, timeout=None)))
    assert "心理账：觉得受了欺负" in text
    assert "感情账" not in text and "后果账" not in text and "利益账" not in text
    assert "（2）李四无。" in text


def test_empty_body_and_summary_say_none(make_minutes, pdf_text):
    text = _flat(pdf_text(render_minutes_pdf(make_minutes(body="", case_summary=" "),
                                             timeout=None)))
    assert "三、案情概要无。" in text and "四、会商经过无。" in text


def test_three_character_names_stay_whole_in_every_table(make_minutes, pdf_text):
    names = ("欧阳明", "司马懿", "诸葛亮", "上官婉")
    minutes = make_minutes(
        attendance=tuple(Attendee(name, "南城人民法庭民事审判第一庭", "审判员（代理）",
                                  delegate_of="欧阳明" if name != "欧阳明" else "")
                         for name in names),
        action_items=(ActionItem("南城人民法庭民事审判第一庭", "司马懿", "组织复测并书面报告",
                                 date(2026, 3, 12), "书面报告召集人"),),
        signatures=tuple(Signature(name, "南城人民法庭民事审判第一庭",
                                   datetime(2026, 3, 5, 9, 0, tzinfo=UTC)) for name in names),
    )
    lines = pdf_text(render_minutes_pdf(minutes, timeout=None)).splitlines()
    for name in names:
        assert any(name in line for line in lines)
        # A name broken across lines leaves a line with only its first characters.
        assert not any(line.strip() in (name[:1], name[:2]) for line in lines)


def test_table_headings_name_refusals_and_delegation(issued_pdf, pdf_text):
    text = _flat(pdf_text(issued_pdf))
    assert "签署情况" in text and "受托人/代谁出席" in text and "代为出席" not in text
    assert "代孙所长" in text
