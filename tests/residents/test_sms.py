"""The Alibaba Cloud SMS adapter against the provider's documented signature example
(SendSms, API 2017-05-25, "签名机制") and its documented answers."""

import io
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.residents import sms
from portal.residents.models import SmsMessage

DOCUMENTED_PARAMS = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
    "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
DOCUMENTED_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="
OK_ANSWER = (b'{"Message":"OK","RequestId":"2184201F-BFB3-446B-B1F2-C746B7BF0657",'
             b'"BizId":"197703245997295588^0","Code":"OK"}')
REFUSED_ANSWER = (b'{"Message":"\xe6\x89\x8b\xe6\x9c\xba\xe5\x8f\xb7\xe7\xa0\x81\xe6\xa0\xbc'
                  b'\xe5\xbc\x8f\xe9\x94\x99\xe8\xaf\xaf","RequestId":"A9C6A3E1",'
                  b'"Code":"isv.MOBILE_NUMBER_ILLEGAL"}')


def test_signature_matches_the_documented_example():
    assert sms.aliyun_signature(DOCUMENTED_PARAMS, "testSecret") == DOCUMENTED_SIGNATURE


def _provider(answer: bytes, seen: list):
    class Opener:
        def open(self, url, timeout):
            seen.append(url)
            return io.BytesIO(answer)

    return sms.AliyunProvider("testId", "testSecret", "南城派出所", "SMS_123", opener=Opener())


def test_the_request_carries_a_signature_the_provider_can_check():
    provider = _provider(OK_ANSWER, [])
    url = provider.request_url("13812345678", "您的案件码 ABCD-EFGH", nonce="n-1",
                               timestamp=datetime(2026, 5, 1, 8, 0, tzinfo=UTC))
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    signature = query.pop("Signature")
    assert sms.aliyun_signature(query, "testSecret") == signature
    assert query["TemplateParam"] == '{"content":"您的案件码 ABCD-EFGH"}'
    assert query["Timestamp"] == "2026-05-01T08:00:00Z"
    assert "+" not in urlsplit(url).query  # spaces are %20, as the signature needs


def test_an_accepted_message_returns_its_biz_id():
    seen = []
    assert _provider(OK_ANSWER, seen).send("13812345678", "测试") == "197703245997295588^0"
    assert seen[0].startswith("https://dysmsapi.aliyuncs.com/?Signature=")


def test_a_refused_message_raises_with_the_provider_code():
    with pytest.raises(sms.SmsError, match="isv.MOBILE_NUMBER_ILLEGAL"):
        _provider(REFUSED_ANSWER, []).send("1", "测试")


def test_the_log_provider_keeps_messages_for_admins(ctx, app, make, login):
    from portal.orgs.models import Role

    sms.queue("13812345678", "测试短信")
    db.session.commit()
    assert sms.deliver_pending() == 1
    message = db.session.scalar(sa.select(SmsMessage))
    assert message.status == "logged"
    assert sms.deliver_pending() == 0
    page = login(make.user(Role.ADMIN)).get("/residents/sms").get_data(as_text=True)
    assert "测试短信" in page
