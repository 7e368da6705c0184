"""Conferences, invitations, answers and minutes over the API, with the pages' permissions."""

from portal.conferences.models import Answer, Invitation
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from tests.factories import run_jobs


def _labour_invitation(conference) -> Invitation:
    return next(i for i in conference.invitations
                if i.organisation and i.organisation.kind is OrgKind.LABOUR_ARBITRATION)


def test_an_uninvited_mediator_gets_404_like_the_page(make, nancheng, api_as, login, client):
    bodies, people = nancheng
    conference = make.conference(category=__import__(
        "portal.disputes.models", fromlist=["Category"]).Category.LAND_FOREST)
    outsider = people[OrgKind.LABOUR_ARBITRATION]
    assert api_as(outsider).get(f"/conferences/{conference.id}").status_code == 404
    assert api_as(outsider).get(f"/conferences/{conference.id}/invitations").status_code == 404
    assert api_as(outsider).get("/conferences").get_json()["items"] == []
    login(outsider)
    assert client.get(f"/conferences/{conference.id}").status_code == 404


def test_an_invited_mediator_reads_and_answers(make, nancheng, api_as):
    from portal.disputes.models import Category

    _, people = nancheng
    conference = make.conference(category=Category.LABOUR_WAGES)
    mediator = people[OrgKind.LABOUR_ARBITRATION]
    api = api_as(mediator)
    room = api.get(f"/conferences/{conference.id}").get_json()
    assert room["state"] == "inviting" and room["quorum"]["met"] is False
    invitations = api.get(f"/conferences/{conference.id}/invitations").get_json()["items"]
    mine = [i for i in invitations if i["may_answer"]]
    assert len(mine) == 1
    declined = api.post(f"/invitations/{mine[0]['id']}/answer", json={"answer": "declined"})
    assert declined.status_code == 422
    assert declined.get_json()["errors"] == {"note": [declined.get_json()["message"]]}
    answered = api.post(f"/invitations/{mine[0]['id']}/answer",
                        json={"answer": "accepted", "note": "准时参加"}).get_json()
    assert answered["answer"] == "accepted" and answered["answered_by"]["id"] == mediator.id
    assert answered["history"][0]["note"] == "准时参加"
    assert db.session.get(Invitation, mine[0]["id"]).answer is Answer.ACCEPTED


def test_answering_someone_elses_invitation_is_403(make, nancheng, api_as):
    from portal.disputes.models import Category

    _, people = nancheng
    conference = make.conference(category=Category.LABOUR_WAGES)
    court = next(i for i in conference.invitations
                 if i.organisation and i.organisation.kind is OrgKind.COURT)
    response = api_as(people[OrgKind.LABOUR_ARBITRATION]).post(
        f"/invitations/{court.id}/answer", json={"answer": "accepted"})
    assert response.status_code == 403


def test_minutes_state_pdf_and_verification(issued, api_as, make):
    conference, people, version = issued
    api = api_as(conference.secretary)
    minutes = api.get(f"/conferences/{conference.id}/minutes").get_json()
    assert minutes["conference_state"] == "signed"
    assert minutes["versions"][0]["status"] == "issued"
    assert minutes["versions"][0]["content_hash"] == version.content_hash
    pdf = api.get(f"/conferences/{conference.id}/minutes/{version.number}.pdf")
    assert pdf.status_code == 503 and pdf.headers["Retry-After"]  # still being sealed
    assert minutes["versions"][0]["pdf_available"] is False
    run_jobs()
    pdf = api.get(f"/conferences/{conference.id}/minutes/{version.number}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    verified = api.get(f"/verify/{version.content_hash}").get_json()
    assert verified["found"] and verified["reference"] == conference.dispute.reference
    assert api.get("/verify/" + "ab" * 32).status_code == 404
    outsider = api_as(make.user(Role.MEDIATOR))
    assert outsider.get(f"/conferences/{conference.id}/minutes").status_code == 404


def test_draft_minutes_pdf_is_not_served(closed_session, api_as):
    conference, _ = closed_session
    response = api_as(conference.secretary).get(f"/conferences/{conference.id}/minutes/1.pdf")
    assert response.status_code == 404


def test_ics_download_for_invitees_once_scheduled(make, nancheng, api_as):
    from datetime import timedelta

    from portal.conferences import services
    from portal.disputes.models import Category
    from portal.timeutil import utcnow

    _, people = nancheng
    conference = make.conference(category=Category.LABOUR_WAGES)
    mediator = api_as(people[OrgKind.LABOUR_ARBITRATION])
    unscheduled = mediator.get(f"/conferences/{conference.id}.ics")
    assert unscheduled.status_code == 404
    assert unscheduled.get_json()["code"] == "not_scheduled"
    starts = utcnow() + timedelta(days=3)
    services.schedule(conference.convener, conference, starts, starts + timedelta(hours=2),
                      make.room(), override_reason="紧急")
    ics = mediator.get(f"/conferences/{conference.id}.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in ics.data and conference.dispute.reference.encode() in ics.data
    outsider = api_as(people[OrgKind.ECOLOGY_ENVIRONMENT])
    assert outsider.get(f"/conferences/{conference.id}.ics").status_code == 404
