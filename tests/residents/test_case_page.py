import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.residents import codes, services
from portal.residents.models import CaseCode, SmsMessage
from portal.timeutil import utcnow
from tests.residents.conftest import request_input


def _request(world):
    return services.submit_from_doorplate(world.plate, request_input())


def test_right_digits_open_the_progress_without_staff_notes(world, client):
    request = _request(world)
    services.record_contact(world.grid_worker, request, "内部备注：此人多次来电")
    code = request.case_code.code
    page = client.get(f"/c/{code}").get_data(as_text=True)
    assert "我们已收到" not in page and "digits" in page
    response = client.post(f"/c/{code}", data={"step": "digits", "digits": "5678"})
    assert response.status_code == 302
    page = client.get(f"/c/{code}").get_data(as_text=True)
    assert "我们已收到您的反映" in page or "We received your report" in page
    assert "周海燕" in page
    assert "内部备注" not in page
    assert "<script" not in page


def test_wrong_digits_and_unknown_codes_get_the_same_answer(world, client):
    request = _request(world)
    wrong = client.post(f"/c/{request.case_code.code}", data={"digits": "0000"})
    unknown = client.post("/c/ZZZZZZZZ", data={"digits": "0000"})
    assert wrong.status_code == unknown.status_code == 422
    message = re.search(r'data-testid="error-digits">([^<]*)<', wrong.get_data(as_text=True))
    assert message.group(1) in unknown.get_data(as_text=True)


def test_wrong_digits_are_counted_and_lock_the_code(world, app):
    case = _request(world).case_code
    for _ in range(app.config["PORTAL_LOCKOUT_ATTEMPTS"]):
        with pytest.raises(codes.AccessRefused):
            codes.check_digits(case, "0000")
    assert case.locked_until is not None
    with pytest.raises(codes.AccessRefused):  # even the right digits, while locked
        codes.check_digits(case, "5678")
    assert codes.check_digits(case, "5678", now=case.locked_until + timedelta(seconds=1)) \
        == "contact"


def _sent_otp() -> str:
    text = db.session.scalars(sa.select(SmsMessage.text).order_by(SmsMessage.id.desc())).first()
    return re.search(r"(\d{6})", text).group(1)


def test_a_one_time_code_opens_the_case_until_it_expires(world):
    case = _request(world).case_code
    now = utcnow()
    codes.send_otp(case, "13812345678", now)
    otp = _sent_otp()
    with pytest.raises(codes.AccessRefused):
        codes.check_otp(case, otp, now + timedelta(minutes=codes.OTP_MINUTES, seconds=1))
    codes.send_otp(case, "13812345678", now + timedelta(minutes=codes.OTP_MINUTES + 1))
    otp = _sent_otp()
    assert codes.check_otp(case, otp, now + timedelta(minutes=codes.OTP_MINUTES + 2)) == \
        "contact"
    assert case.otp_hash is None  # used once


def test_a_one_time_code_goes_only_to_a_phone_of_the_case(world, client):
    case = _request(world).case_code
    before = db.session.scalar(sa.select(sa.func.count(SmsMessage.id)))
    response = client.post(f"/c/{case.code}", data={"step": "send", "phone": "13900009999"})
    assert response.status_code == 200 and 'data-testid="otp-sent"' in response.get_data(
        as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SmsMessage.id))) == before


def test_a_party_of_the_dispute_sees_only_their_own_name(world, make, client):
    dispute = make.dispute(village=world.village)
    case = db.session.scalar(sa.select(CaseCode).where(CaseCode.dispute_id == dispute.id))
    client.post(f"/c/{case.code}", data={"digits": "4321"})  # 李四's phone
    page = client.get(f"/c/{case.code}").get_data(as_text=True)
    assert "李四" in page and "张三" not in page and "13812345678" not in page
