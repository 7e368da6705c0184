import io
import subprocess

import pytest

from portal.extensions import db
from portal.minutes import services
from portal.minutes.models import MinutesVersion
from portal.orgs.models import OrgKind, User
from tests.factories import download
from tests.minutes.browser_form import browser_form
from tests.minutes.test_services import _record


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")


@pytest.fixture
def issued(closed_session):
    from portal.conferences import services as conferences

    conference, people = closed_session
    _record(conference, conference.secretary, people)
    conferences.end_session(conference.secretary, conference)
    version = services.generate_draft(conference.secretary, conference)
    services.edit(conference.secretary, version,
                  "### 1. 听取陈述\n\n<img src=\"file:///etc/passwd\"> 双方陈述了诉求。",
                  version.content_hash)
    services.open_signing(conference.secretary, version)
    court = people[OrgKind.COURT]
    for row in services.signers(conference):
        user = db.session.get(User, row["user_id"])
        if user.id == court.id:
            services.refuse(user, version, "对付款期限有异议", version.content_hash)
        else:
            services.sign(user, version, "Correct-horse-42", version.content_hash)
    services.issue(conference.secretary, version)
    return conference, people, version


def _download(client, conference, number=1):
    response = download(client, f"/conferences/{conference.id}/minutes/{number}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def test_issued_pdf_prints_hash_title_attendees_and_signatures(client, login, issued):
    conference, people, version = issued
    login(conference.secretary)
    text = _pdf_text(_download(client, conference))
    flat = "".join(text.split())
    assert version.content_hash in flat
    assert "联席会商纪要" in flat and conference.dispute.reference in flat
    assert people[OrgKind.JUDICIAL_BUREAU].full_name in flat
    assert "对付款期限有异议" in flat
    assert "root:" not in text  # the file:// image fetched nothing


def test_seal_validates_and_tampering_is_detected_on_the_verify_page(app, client, login, issued):
    conference, people, version = issued
    login(conference.secretary)
    data = _download(client, conference)
    anonymous = app.test_client()
    page = anonymous.post("/verify", data={"file": (io.BytesIO(data), "m.pdf")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "这是正式印发的会商纪要" in page and conference.dispute.reference in page
    assert people[OrgKind.POLICE_STATION].full_name in page
    assert "郭" not in page and "身份证" not in page  # no party details
    tampered = bytearray(data)
    position = tampered.index(b"stream", len(data) // 3)  # inside the signed bytes
    tampered[position + 40] ^= 0x01
    page = anonymous.post("/verify", data={"file": (io.BytesIO(bytes(tampered)), "m.pdf")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "电子印章已失效" in page or "不是本平台" in page


def test_verify_by_link_for_good_amended_and_forged(app, client, login, issued):
    conference, people, version = issued
    anonymous = app.test_client()
    good = anonymous.get(f"/verify/{version.content_hash}").get_data(as_text=True)
    assert "这是正式印发的会商纪要" in good and "已更正" not in good
    amendment = services.amend(conference.secretary, conference)
    services.open_signing(conference.secretary, amendment)
    for row in services.signers(conference):
        user = db.session.get(User, row["user_id"])
        services.sign(user, amendment, "Correct-horse-42", amendment.content_hash)
    services.issue(conference.secretary, amendment)
    amended = anonymous.get(f"/verify/{version.content_hash}").get_data(as_text=True)
    assert "以第 2 版为准" in amended
    forged = anonymous.get(f"/verify/{'ab' * 32}").get_data(as_text=True)
    assert "不是本平台正式印发的会商纪要" in forged


def test_verify_refuses_a_file_that_is_not_a_pdf(app):
    response = app.test_client().post("/verify", data={
        "file": (io.BytesIO(b"hello"), "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400 and "不是 PDF" in response.get_data(as_text=True)


def test_issued_version_is_locked_for_edits_over_http(client, login, issued):
    conference, people, version = issued
    login(conference.secretary)
    page = client.post(f"/conferences/{conference.id}/minutes/edit", data={
        "version": 1, "body": "篡改", "seen_hash": version.content_hash},
        follow_redirects=True).get_data(as_text=True)
    assert "已印发并锁定" in page
    assert db.session.get(MinutesVersion, version.id).content_hash == version.content_hash


def test_wrong_password_does_not_sign_over_http(client, login, closed_session):
    from portal.conferences import services as conferences

    conference, people = closed_session
    _record(conference, conference.secretary, people)
    conferences.end_session(conference.secretary, conference)
    version = services.generate_draft(conference.secretary, conference)
    services.open_signing(conference.secretary, version)
    login(people[OrgKind.COURT])
    page = client.post(f"/conferences/{conference.id}/minutes/sign", data={
        "version": 1, "password": "nope", "seen_hash": version.content_hash},
        follow_redirects=True).get_data(as_text=True)
    assert "密码错误" in page and not version.signatures


def test_wrong_signing_passwords_lock_the_account(client, login, closed_session):
    from portal.conferences import services as conferences

    conference, people = closed_session
    _record(conference, conference.secretary, people)
    conferences.end_session(conference.secretary, conference)
    version = services.generate_draft(conference.secretary, conference)
    services.open_signing(conference.secretary, version)
    signer = people[OrgKind.COURT]
    login(signer)
    for _ in range(5):
        page = client.post(f"/conferences/{conference.id}/minutes/sign", data={
            "version": 1, "password": "nope", "seen_hash": version.content_hash},
            follow_redirects=True).get_data(as_text=True)
    assert "账号已锁定" in page and not version.signatures
    assert signer.locked_until is not None
    assert client.get("/").status_code == 302


def test_the_record_saves_each_term_with_its_obligor_and_deadline(client, login, closed_session):
    conference, _ = closed_session
    login(conference.secretary)
    form = browser_form(client.get(f"/conferences/{conference.id}/record")
                        .get_data(as_text=True), "record")
    form.update({
        "outcome": "agreement", "summary": "达成一致",
        "term-0-text": "李四于2027年3月31日前支付补偿款3万元", "term-0-obligor": "李四",
        "term-0-manner": "银行转账", "term-0-deadline": "2027-03-31",
        "term-1-text": "不再到工地阻挠施工", "term-1-obligor": "张三",
        "term-1-deadline": "2026-12-31"})
    response = client.post(f"/conferences/{conference.id}/record",
                           data={**form, "part": "outcome"})
    assert response.status_code == 302
    page = client.get(f"/conferences/{conference.id}/record").get_data(as_text=True)
    terms = page[page.index('data-testid="agreed-terms"'):]
    assert "不再到工地阻挠施工" in terms and 'value="2027-03-31"' in terms
    assert '<option selected>张三</option>' in terms and 'value="银行转账"' in terms
