"""The public verification page knows issued mediation agreements as well as minutes."""

import io
from datetime import timedelta

import pytest

from portal.followup import agreements
from reports.verify import read_document_record
from tests.factories import download
from tests.followup.conftest import complete
from tests.samples import PNG


@pytest.fixture
def effective(issued):
    conference, _ = issued
    agreement = agreements.generate(conference.secretary, conference)
    agreements.update(conference.secretary, agreement, complete(agreements.content(agreement)))
    today = agreements.today()
    dates = {p.id: today - timedelta(days=2) for p in agreement.dispute.parties}
    return agreements.record_signatures(conference.secretary, agreement, dates, PNG, "s.png")


def _upload(app, data: bytes) -> str:
    return app.test_client().post("/verify", data={"file": (io.BytesIO(data), "a.pdf")},
                                  content_type="multipart/form-data").get_data(as_text=True)


def test_the_qr_link_of_an_effective_agreement_verifies_it(app, effective):
    agreement = effective
    page = app.test_client().get(f"/verify/{agreement.content_hash}").get_data(as_text=True)
    assert "这是正式生效的人民调解协议书" in page and agreement.number in page
    assert agreements.content(agreement)["committee"] in page
    assert str(agreement.effective_on) in page
    for party in agreement.dispute.parties:  # private persons stay off the public page
        assert party.name not in page


def test_the_downloaded_agreement_carries_its_link_and_its_seal(app, client, login, effective):
    agreement = effective
    login(agreement.conference.secretary)
    data = download(client, f"/followup/agreements/{agreement.id}.pdf").data
    assert data == agreement.pdf
    assert read_document_record(data).content_hash == agreement.content_hash
    page = _upload(app, data)
    assert "这是正式生效的人民调解协议书" in page and agreement.number in page
    tampered = bytearray(data)
    position = tampered.index(b"stream", len(data) // 3)  # inside the signed bytes
    tampered[position + 40] ^= 0x01
    page = _upload(app, bytes(tampered))
    assert "电子印章已失效" in page and "这是正式生效的人民调解协议书" not in page


def test_a_draft_agreement_is_not_verified(app, client, login, issued):
    conference, _ = issued
    agreement = agreements.generate(conference.secretary, conference)
    agreements.update(conference.secretary, agreement, complete(agreements.content(agreement)))
    login(conference.secretary)
    draft = download(client, f"/followup/agreements/{agreement.id}.pdf").data
    page = _upload(app, draft)
    assert "不是本平台正式印发的会商纪要或调解协议书" in page
    assert agreement.content_hash is None and agreement.pdf is None
