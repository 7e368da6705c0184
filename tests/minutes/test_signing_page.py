"""The page signers sign from shows everything the signed hash covers, and what they typed
survives a refusal."""

import html
import json
import re
from datetime import date, datetime

import pytest

from portal.conferences import services as conferences
from portal.extensions import db
from portal.minutes import document, services
from portal.orgs.models import OrgKind
from portal.timeutil import local_zone
from reports import minutes as doc
from tests.minutes.browser_form import browser_form


def _full_record(conference, people):
    secretary = conference.secretary
    attendance = services.section(conference, "attendance")[0]
    started = conference.started_at
    for number, row in enumerate(attendance):
        row["signed_in_at"] = started.replace(second=0, microsecond=0).astimezone(
            local_zone()).isoformat() if number % 2 == 0 else None
        row["ack"] = number % 2 == 0
        row["role"] = row["role"] or f"职务{number}"
    attendance[0]["delegate_of"] = "王庭长"
    attendance[1]["status"] = "late"
    services.save_section(secretary, conference, "attendance", attendance, 0)
    services.save_section(secretary, conference, "agenda", [
        {"title": "听取双方陈述", "notes": "申请人陈述欠薪经过"}], 0)
    accounts = services.section(conference, "accounts")[0]
    for row in accounts:
        row.update(psychological=f"{row['party']}心里憋屈", emotional=f"{row['party']}念旧情",
                   consequences=f"{row['party']}诉讼耗时", interests=f"{row['party']}尽快拿钱")
    services.save_section(secretary, conference, "accounts", accounts, 0)
    opinions = services.section(conference, "opinions")[0]
    for row in opinions:
        row.update(speaker="发言人" + row["body"][:2], text=f"{row['body']}建议分期支付")
    services.save_section(secretary, conference, "opinions", opinions, 0)
    services.save_section(secretary, conference, "outcome", {
        "outcome": "partial", "terms": ["被申请人于30日内支付工资20万元"],
        "next_steps": ["双方共同申请司法确认", "余款争议引导仲裁"], "summary": "拖欠工资纠纷概要",
        "referral": "余款部分移送劳动仲裁"}, 0)
    services.save_section(secretary, conference, "actions", [
        {"owner_body": conference.invitations[0].body.name, "owner": "孙丽", "task": "督促支付",
         "due": "2026-12-31", "feedback": "书面报告履行情况"}], 0)


@pytest.fixture
def signing(closed_session):
    conference, people = closed_session
    _full_record(conference, people)
    conferences.end_session(conference.secretary, conference)
    version = services.generate_draft(conference.secretary, conference)
    version = services.edit(conference.secretary, version, "双方就付款期限充分协商",
                            version.content_hash)
    services.open_signing(conference.secretary, version)
    return conference, people, version


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _shown(field: str, value, text: str) -> list[str]:
    """What the page prints for one value of the signed content."""
    if isinstance(value, bool):
        return ["已确认" if value else "未确认"]
    if isinstance(value, int):
        return [str(value)]
    if field in ("starts_at", "ends_at", "signed_in_at"):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(local_zone())
        if field == "signed_in_at":
            return [f"{moment:%H:%M}"]
        # The session reads as one range: the day once, then the times.
        day = f"{moment.year}年{moment.month}月{moment.day}日"
        return [f"{moment:%H:%M}"] if day in text else []
    if field == "due":
        due = date.fromisoformat(value)
        return [f"{due.year}年{due.month}月{due.day}日"]
    if field == "status":
        return [doc.AttendanceStatus(value).label]
    if field == "outcome":
        return [doc.Outcome(value).label]
    return [" ".join(value.split())]


def _leaves(value, field=""):
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, field)
    elif value not in (None, ""):
        yield field, value


def test_the_signing_page_shows_every_field_the_hash_covers(client, login, signing):
    conference, people, version = signing
    login(people[OrgKind.COURT])
    page = client.get(f"/conferences/{conference.id}/minutes").get_data(as_text=True)
    text = _text(page)
    minutes = document.from_json(version.snapshot)
    content = json.loads(doc.canonical_content(minutes))["content"]
    assert content["accounts"] and content["opinions"] and content["action_items"]
    assert content["next_steps"] and content["agenda"] and content["number"]
    missing = [(field, value) for field, value in _leaves(content)
               if not any(shown in text for shown in _shown(field, value, text))]
    assert missing == []
    # Each attendee's row states whether they acknowledged the confidentiality statement.
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('data-testid="doc-attendance"')[1]
                      .split("</table>")[0], flags=re.S)
    for attendee in minutes.attendance:
        row = next(_text(r) for r in rows if attendee.name in r)
        assert ("已确认" if attendee.acknowledged else "未确认") in row
    form = browser_form(page.replace('data-action="sign"', 'id="sign" data-action="sign"'),
                        "sign")
    assert form["seen_hash"] == version.content_hash == doc.content_hash(minutes)


def test_a_refusal_without_reason_marks_the_field_and_a_comment_is_kept(client, login,
                                                                        signing):
    conference, people, version = signing
    login(people[OrgKind.COURT])
    response = client.post(f"/conferences/{conference.id}/minutes/refuse", data={
        "version": version.number, "reason": "  ", "seen_hash": version.content_hash})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "请填写拒签理由" in page
    assert 'aria-describedby="error-refuse"' in page
    assert not version.signatures


def test_a_wrong_password_is_told_by_the_password_field(client, login, signing):
    conference, people, version = signing
    login(people[OrgKind.COURT])
    response = client.post(f"/conferences/{conference.id}/minutes/sign", data={
        "version": version.number, "password": "nope", "seen_hash": version.content_hash})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "密码错误" in page
    assert 'aria-describedby="error-sign" type="password"' in page
    assert 'value="nope"' not in page


def test_text_typed_over_a_changed_version_is_kept(client, login, drafted):
    conference, people, version = drafted
    login(conference.secretary)
    response = client.post(f"/conferences/{conference.id}/minutes/edit", data={
        "version": version.number, "body": "我新写的会商经过", "seen_hash": "stale"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "我新写的会商经过" in page
    assert db.session.get(type(version), version.id).content_hash == version.content_hash


@pytest.fixture
def drafted(closed_session):
    conference, people = closed_session
    services.save_section(conference.secretary, conference, "outcome", {
        "outcome": "none", "terms": [], "next_steps": [], "summary": "", "referral": "诉讼"}, 0)
    conferences.end_session(conference.secretary, conference)
    return conference, people, services.generate_draft(conference.secretary, conference)
