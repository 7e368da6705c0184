"""The timeline reads in the reader's language, whatever wrote it and whoever reads it."""

import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from portal.disputes import services, timeline
from portal.disputes.models import DisputeEvent, EventKind, Referral
from portal.extensions import db
from portal.followup import agreements, casefile, tasks
from portal.orgs.models import Role

CJK = re.compile(r"[\u4e00-\u9fff]")
# What the timeline must never show a reader: the kinds' own keys and the stored values of
# the facts they carry.
RAW = [kind.value for kind in EventKind] + [
    "satisfied", "neutral", "dissatisfied", "phone", "in_person", "read_aloud", "online",
    "LITIGATION", "CONFIRMED", "DONE", "SATISFIED", "escalated", "due_on", "village_id",
    "(satisfied)"]
# The facts each kind's writer stores, for the kinds this story does not reach by its services.
WRITTEN_ELSEWHERE = {
    EventKind.MINUTES_ISSUED: {"version": 2},
    EventKind.AGREEMENT_DRAFTED: {"number": "高南调〔2026〕3号"},
    EventKind.AGREEMENT_EFFECTIVE: {"number": "高南调〔2026〕3号", "effective_on": "2026-11-20"},
    EventKind.CONFIRMATION_FILED: {"court": "高平市人民法院", "filed_on": "2026-11-25",
                                   "late": False},
    EventKind.CONFIRMATION_DECIDED: {"outcome": "CONFIRMED", "ruling": "（2026）晋0581民特12号"},
    EventKind.TASK_REPORTED: {"task": "现场复核界桩位置", "state": "DONE"},
    EventKind.IMPORTED: {"external_ref": "GPSJ-2026-110587", "channel": "网格上报"},
}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_()]+", text))


def test_every_event_kind_has_a_label_in_chinese_and_english(ctx):
    for kind in EventKind:
        assert kind in timeline.LABELS, f"{kind.name} has no label"
        with force_locale("zh_CN"):
            chinese = str(timeline.LABELS[kind])
        with force_locale("en"):
            english = str(timeline.LABELS[kind])
        assert CJK.search(chinese), f"{kind.name} has no Chinese label: {chinese}"
        assert english and not CJK.search(english), f"{kind.name}: {english}"


def test_every_detail_is_written_in_both_languages(ctx):
    samples = {**WRITTEN_ELSEWHERE,
               EventKind.EDITED: {"fields": ["due_on", "title"]},
               EventKind.ASSIGNED: {"handler": "王警官"},
               EventKind.TAKEN_OVER: {"handler": "王警官"},
               EventKind.ESCALATED: {"from_tier": 1, "to_tier": 3},
               EventKind.DEADLINE_CHANGED: {"from": "2026-12-09", "to": "2027-01-01",
                                            "reason": "escalated"},
               EventKind.REFERRED: {"referral": "LITIGATION", "body": "高平市人民法院"},
               EventKind.REFERRAL_RECEIVED: {"body": "高平市人民法院",
                                             "reference": "（2026）民初1号"},
               EventKind.FEEDBACK: {"method": "phone", "satisfaction": "satisfied"},
               EventKind.NOTICE_GIVEN: {"party": "张三", "given_on": "2026-11-02",
                                        "method": "read_aloud"},
               EventKind.RETURN_VISIT: {"visited": "张三", "satisfaction": "neutral"}}
    assert set(timeline.DETAILS) <= set(samples)
    for kind, data in samples.items():
        event = DisputeEvent(action=kind.value, data=data, note="")
        with force_locale("zh_CN"):
            chinese = timeline.detail(event)
        with force_locale("en"):
            english = timeline.detail(event)
        assert CJK.search(chinese) and not _words(chinese) & set(RAW), (kind, chinese)
        assert "%(" not in chinese + english, kind
        # English words may be the values' own words ("phone"), never their codes.
        assert not _words(english) & {w for w in RAW if "_" in w or w.isupper()}, english


def test_escalating_to_tier_3_shows_how_the_deadline_moved(make):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute(reporter=convener)
    before = dispute.due_on
    services.escalate(convener, dispute, 3, "涉及多个部门")
    moved = [e for e in dispute.events if e.kind is EventKind.DEADLINE_CHANGED]
    assert len(moved) == 1 and dispute.due_on == services.local_today() + timedelta(days=30)
    with force_locale("zh_CN"):
        text = timeline.detail(moved[0])
    assert f"{before.year}年{before.month}月{before.day}日" in text
    due = dispute.due_on
    assert f"{due.year}年{due.month}月{due.day}日" in text and "30 日" in text


def test_escalating_with_a_later_deadline_keeps_it_and_says_nothing(make):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute(reporter=convener, due_on=services.local_today() + timedelta(days=60))
    services.escalate(convener, dispute, 3, "涉及多个部门")
    assert not [e for e in dispute.events if e.kind is EventKind.DEADLINE_CHANGED]


def test_editing_the_deadline_shows_on_the_timeline(make, client, login):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute(reporter=convener)
    old, new = dispute.due_on, services.local_today() + timedelta(days=20)
    values = {name: getattr(dispute, name) for name in services.EDITABLE}
    parties = [services.PartyInput(p.name, p.role, p.id_number, p.phone, p.address)
               for p in dispute.parties]
    services.update_dispute(convener, dispute, services.DisputeInput(
        **{**values, "due_on": new}, parties=parties))
    login(convener)
    page = client.get(f"/disputes/{dispute.id}").get_data(as_text=True)
    assert "办理期限变更" in page
    assert f"由{old.year}年{old.month}月{old.day}日改为{new.year}年{new.month}月{new.day}日" in page
    assert "在纠纷登记信息中修改" in page and "修改了：办理期限" in page


@pytest.fixture
def story(make):
    return walk_through(make)


def walk_through(make):
    """A dispute that went through every step a person can take on it, and the steps the
    conference and the agreement write, as their writers store them."""
    convener = make.user(Role.CONVENER, full_name="赵召集")
    dispute = make.dispute(reporter=convener)
    services.assign(convener, dispute, convener)
    services.handle(convener, dispute, "现场调查")
    services.escalate(convener, dispute, 3, "涉及多个部门")
    services.enter_conference(convener, dispute)
    agreements.record_notice(convener, dispute, dispute.parties[0], services.local_today(),
                             "read_aloud")
    services.resolve(convener, dispute, "双方达成协议")
    tasks.record_visit(convener, dispute, services.local_today(), "phone", "张三",
                       "已按协议履行", "satisfied")
    services.record_feedback(convener, dispute, "phone", "已电话告知", "satisfied")
    services.close(convener, dispute)
    services.reopen(convener, dispute, "当事人反映未履行")
    services.refer(convener, dispute, Referral.LITIGATION, "高平市人民法院", "")
    tasks.record_referral_receipt(convener, dispute, "高平市人民法院", "（2026）晋0581民初412号")
    for kind, data in WRITTEN_ELSEWHERE.items():
        timeline.add(dispute, kind, convener, **data)
    timeline.add(dispute, EventKind.FEEDBACK, rating="SATISFIED")
    db.session.commit()
    assert {e.kind for e in dispute.events} == set(EventKind) - {EventKind.TAKEN_OVER,
                                                                  EventKind.EDITED}
    return dispute


def _timeline_part(page: str) -> str:
    return page.split('data-testid="timeline"')[1].split("</ol>")[0]


def test_the_chinese_timeline_shows_no_codes(story, client, login):
    login(story.handler)
    part = _timeline_part(client.get(f"/disputes/{story.id}").get_data(as_text=True))
    assert not _words(part) & set(RAW), _words(part) & set(RAW)
    for words in ("升级", "办理期限变更", "由1级升为3级", "满意度：满意", "告知权利义务",
                  "当事人在案件页评价：满意", "第 2 版会商纪要已全部签署", "诉讼：高平市人民法院",
                  "现场复核界桩位置：已完成"):
        assert words in part, words


def test_the_english_timeline_is_english_apart_from_what_people_wrote(story, client, login):
    story.handler.language = "en"
    db.session.commit()
    login(story.handler)
    part = _timeline_part(client.get(f"/disputes/{story.id}").get_data(as_text=True))
    assert "Handling deadline changed" in part and "From tier 1 to tier 3." in part
    assert "By phone; satisfaction: Satisfied." in part
    for made_in_code in ("版会商纪要", "当事人在案件页评价", "起生效", "逾期申请"):
        assert made_in_code not in part, made_in_code


def test_the_case_file_history_and_feedback_show_no_codes(story, tmp_path):
    html = "".join(section.html or "" for section in casefile.collect(story, tmp_path))
    assert not _words(html) & set(RAW), _words(html) & set(RAW)
    for words in ("办理期限变更", "满意度：满意", "方式：电话", "告知权利义务"):
        assert words in html, words


def test_old_rows_keep_their_sentences(make, client, login):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute(reporter=convener)
    dispute.events.append(DisputeEvent(actor_id=convener.id, action="minutes_issued",
                                       note="第 1 版会商纪要已签署", at=dispute.reported_at))
    dispute.events.append(DisputeEvent(actor_id=convener.id, action="retired_kind",
                                       note="旧记录", at=dispute.reported_at))
    db.session.commit()
    login(convener)
    part = _timeline_part(client.get(f"/disputes/{dispute.id}").get_data(as_text=True))
    assert "会商纪要已签署" in part and "第 1 版会商纪要已签署" in part
    assert "其他办理环节" in part and "retired_kind" not in part


def test_notice_dates_read_as_dates(ctx):
    event = DisputeEvent(action="notice_given", note="", data={
        "party": "张三", "given_on": date(2026, 11, 2).isoformat(), "method": "post"})
    with force_locale("zh_CN"):
        assert timeline.detail(event) == "2026年11月2日向张三告知（邮寄送达）。"
