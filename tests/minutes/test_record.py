"""The record page as the secretary uses it: one form, every part kept, accounts linked."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.conferences import services as conferences
from portal.conferences.models import Answer
from portal.extensions import db
from portal.minutes import services
from portal.orgs.models import OrgKind, Role
from portal.timeutil import local_zone, utcnow
from tests.minutes.browser_form import browser_form


def _page(client, conference):
    response = client.get(f"/conferences/{conference.id}/record")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _form(client, conference) -> dict[str, str]:
    return browser_form(_page(client, conference), "record")


def _save(client, conference, form, part="outcome"):
    return client.post(f"/conferences/{conference.id}/record", data={**form, "part": part})


def _saves():
    return [e.summary for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "record.saved").order_by(AuditEvent.id))]


def _row_of(form, name_field_value):
    """The index of the attendance row whose account select holds the given value."""
    for key, value in form.items():
        if key.startswith("att-") and key.endswith("-user_id") and value == name_field_value:
            return key.split("-")[1]
    raise AssertionError(name_field_value)


def _blank_row(form):
    for key, value in form.items():
        if key.startswith("att-") and key.endswith("-user_id") and not value \
                and not form[key.replace("user_id", "name")]:
            return key.split("-")[1]
    raise AssertionError("no blank row")


def test_one_save_keeps_the_opinions_and_the_outcome_typed_together(client, login,
                                                                    closed_session):
    conference, people = closed_session
    login(conference.secretary)
    form = _form(client, conference)
    form["op-0-text"] = "同意按协议履行"
    form.update({"outcome": "agreement", "terms": "于30日内支付工资"})
    response = _save(client, conference, form)
    assert response.status_code == 302 and response.location.endswith("#part-outcome")
    assert services.section(conference, "opinions")[0][0]["text"] == "同意按协议履行"
    assert services.section(conference, "outcome")[0]["terms"] == ["于30日内支付工资"]


def test_the_page_as_shown_saves_nothing(client, login, closed_session):
    conference, people = closed_session
    login(conference.secretary)
    response = _save(client, conference, _form(client, conference))
    assert response.status_code == 302 and _saves() == []
    assert "没有改动" in client.get(response.location).get_data(as_text=True)


def test_two_people_record_different_parts_at_once(app, client, login, closed_session):
    conference, people = closed_session
    login(conference.secretary)
    mine = _form(client, conference)
    convener = app.test_client()
    convener.post("/login", data={"username": conference.convener.username,
                                  "password": "Correct-horse-42"})
    theirs = _form(convener, conference)
    theirs["ag-0-title"] = "听取双方陈述"
    assert _save(convener, conference, theirs, "agenda").status_code == 302
    mine.update({"outcome": "none", "referral": "引导诉讼"})
    assert _save(client, conference, mine).status_code == 302
    assert services.section(conference, "agenda")[0][0]["title"] == "听取双方陈述"
    assert services.section(conference, "outcome")[0]["referral"] == "引导诉讼"


def test_a_part_saved_meanwhile_is_shown_with_what_was_typed(app, client, login,
                                                             closed_session):
    conference, people = closed_session
    login(conference.secretary)
    mine = _form(client, conference)
    services.save_section(conference.convener, conference, "agenda",
                          [{"title": "听取陈述", "notes": "甲"}], 0)
    mine.update({"ag-0-title": "听取陈述", "ag-0-notes": "乙", "op-0-text": "意见已记录"})
    response = _save(client, conference, mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "您的修改未保存" in page and conference.convener.full_name in page
    kept = browser_form(page, "record")
    assert kept["ag-0-notes"] == "甲"  # their version, in the form
    assert "乙" in page  # what was typed, beside it
    assert kept["op-0-text"] == "意见已记录"  # the other part's input is kept
    assert services.section(conference, "opinions")[0][0]["text"] == ""
    kept["ag-0-notes"] = "甲；乙"
    assert _save(client, conference, kept).status_code == 302
    assert services.section(conference, "opinions")[0][0]["text"] == "意见已记录"
    assert services.section(conference, "agenda")[0][0]["notes"] == "甲；乙"


def test_a_refused_part_keeps_all_input_and_marks_the_field(client, login, closed_session):
    conference, people = closed_session
    login(conference.secretary)
    form = _form(client, conference)
    form.update({"outcome": "agreement", "terms": "", "summary": "欠薪纠纷",
                 "op-0-text": "同意调解"})
    response = _save(client, conference, form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "列出达成的协议条款" in page
    assert ('name="term-0-text" aria-label="条款 1" aria-invalid="true" '
            'aria-describedby="error-outcome"') in page
    kept = browser_form(page, "record")
    assert kept["summary"] == "欠薪纠纷" and kept["op-0-text"] == "同意调解"
    assert kept["outcome"] == "agreement"
    assert _saves() == []


def test_a_sign_in_time_after_the_session_closed_is_refused_by_its_field(client, login,
                                                                         closed_session):
    conference, people = closed_session
    conference.started_at = utcnow() - timedelta(hours=2)
    conferences.end_session(conference.secretary, conference)
    conference.ended_at = conference.started_at + timedelta(hours=1)
    db.session.commit()
    login(conference.secretary)
    form = _form(client, conference)
    row = _row_of(form, str(people[OrgKind.COURT].id))
    late = (conference.ended_at + timedelta(minutes=30)).astimezone(local_zone())
    form[f"att-{row}-time"] = f"{late:%H:%M}"
    response = _save(client, conference, form, "attendance")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "签到时间不在会商时间内" in page
    assert f'name="att-{row}-time" value="{late:%H:%M}"' in page
    assert _saves() == []


@pytest.fixture
def with_lawyer(make, nancheng):
    """A conference to which a resident lawyer was invited by name; he did not answer."""
    _, people = nancheng
    lawyer = make.user(Role.LAWYER, organisation=make.organisation(OrgKind.LAWYER_OFFICE),
                       full_name="驻村律师赵律师")
    conference = make.conference()
    conferences.add_invitee(conference.convener, conference, user=lawyer)
    for invitation in conference.invitations:
        if invitation.required:
            conferences.answer(people[invitation.organisation.kind], invitation,
                               Answer.ACCEPTED)
    starts = utcnow() + timedelta(minutes=10)
    conferences.schedule(conference.convener, conference, starts, starts + timedelta(hours=2),
                         make.room())
    conferences.start(conference.secretary, conference)
    return conference, lawyer


def test_an_invited_attendee_added_by_hand_is_his_account_and_signs(client, login,
                                                                    with_lawyer):
    conference, lawyer = with_lawyer
    login(conference.secretary)
    page = _page(client, conference)
    assert f'<option value="{lawyer.id}" >驻村律师赵律师' in page
    form = browser_form(page, "record")
    row = _blank_row(form)
    form[f"att-{row}-user_id"] = str(lawyer.id)
    assert _save(client, conference, form, "attendance").status_code == 302
    signer = next(r for r in services.signers(conference) if r["user_id"] == lawyer.id)
    assert signer["name"] == "驻村律师赵律师" and signer["body"]


def test_a_stranger_posted_as_an_attendee_is_refused(client, login, make, with_lawyer):
    conference, lawyer = with_lawyer
    stranger = make.user(Role.MEDIATOR, full_name="陌生人")
    login(conference.secretary)
    form = _form(client, conference)
    row = _blank_row(form)
    form[f"att-{row}-user_id"] = str(stranger.id)
    response = _save(client, conference, form, "attendance")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未受邀参加本次会商" in page
    assert _saves() == []
    assert stranger.id not in {r["user_id"] for r in services.signers(conference)}


def test_a_guest_is_recorded_by_name_and_does_not_sign(client, login, with_lawyer):
    conference, lawyer = with_lawyer
    login(conference.secretary)
    form = _form(client, conference)
    row = _blank_row(form)
    form[f"att-{row}-name"] = "当事人代理人"
    assert _save(client, conference, form, "attendance").status_code == 302
    names = [r["name"] for r in services.section(conference, "attendance")[0]]
    assert "当事人代理人" in names
    assert "当事人代理人" not in {r["name"] for r in services.signers(conference)}
