"""An upload is accepted only when it parses as what it claims to be; a bad document can be
withdrawn by its uploader or the secretary, and leaves the room and the case file."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from portal import uploads
from portal.audit.models import AuditEvent
from portal.conferences import services
from portal.conferences.models import Document
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.uploads import UploadRefused, check_upload
from tests import samples

HTML = b"<html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize("data, kind", [
    (samples.PDF, "application/pdf"), (samples.PNG, "image/png"),
    (samples.image("JPEG"), "image/jpeg"), (samples.image("GIF"), "image/gif"),
    (samples.image("WEBP"), "image/webp"),
    (samples.docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_real_files_are_accepted(app, data, kind):
    with app.test_request_context():
        assert check_upload(data, "x").content_type == kind


@pytest.mark.parametrize("data", [
    b"%PDF-1.4\n" + HTML, b"GIF89a" + HTML, b"\x89PNG\r\n\x1a\n" + HTML,
    b"PK\x03\x04" + HTML, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + HTML * 20,
    samples.PDF[: len(samples.PDF) // 2], samples.PNG[:-20],
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
])
def test_a_header_glued_onto_something_else_is_refused(app, data):
    with app.test_request_context(), pytest.raises(UploadRefused):
        check_upload(data, "证据.pdf")


def test_an_image_with_too_many_pixels_is_refused_before_decoding(app, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 63)
    with app.test_request_context(), pytest.raises(UploadRefused, match="像素过多"):
        check_upload(samples.image("PNG", (8, 8)), "photo.png")


def _upload(client, conference, data, name):
    return client.post(f"/conferences/{conference.id}/documents", data={
        "document-file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
        follow_redirects=True)


def test_a_pdf_that_does_not_parse_is_refused_with_a_message(client, make, login, nancheng):
    _, people = nancheng
    conference = make.conference()
    login(people[OrgKind.COURT])
    page = _upload(client, conference, b"%PDF-1.7\n" + HTML, "协议.pdf").get_data(as_text=True)
    assert "协议.pdf" in page and "无法读取" in page
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_the_uploader_withdraws_a_document_and_the_room_no_longer_shows_it(
        app, client, make, login, nancheng):
    _, people = nancheng
    conference = make.conference()
    court = people[OrgKind.COURT]
    login(court)
    _upload(client, conference, samples.PDF, "错传的文件.pdf")
    document = db.session.scalar(sa.select(Document))
    assert "错传的文件.pdf" in client.get(f"/conferences/{conference.id}").get_data(as_text=True)
    response = client.post(f"/conferences/{conference.id}/documents/{document.id}/withdraw",
                           data={"reason": "传错了"}, follow_redirects=True)
    assert response.status_code == 200 and "错传的文件.pdf" not in response.get_data(
        as_text=True)
    download = f"/conferences/{conference.id}/documents/{document.id}"
    assert client.get(download).status_code == 404
    db.session.expire_all()
    assert db.session.get(Document, document.id).withdrawn_by_id == court.id
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="document.withdrawn"))
    assert event.summary == "错传的文件.pdf: 传错了" and document.sha256 in event.changes


def test_the_secretary_may_withdraw_others_may_not(make, nancheng):
    _, people = nancheng
    conference = make.conference()
    court, resources = people[OrgKind.COURT], people[OrgKind.NATURAL_RESOURCES]
    document = services.upload_document(court, conference, "a.pdf", samples.PDF)
    with pytest.raises(DomainError):
        services.withdraw_document(resources, document)
    with pytest.raises(DomainError):
        services.withdraw_document(make.user(Role.MEDIATOR), document)
    services.withdraw_document(conference.secretary, document)
    assert document.withdrawn_at is not None
