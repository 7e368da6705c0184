import threading
from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.notifications.outbox import backoff, send_due
from portal.notifications.services import notify
from portal.timeutil import utcnow

CONTEXT = dict(conference_title="宅基地边界纠纷", reference="南城矛〔2026〕17号",
               room="致和调解室")
ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def _queue(make, n=1, **user_values):
    users = [make.user(language="zh_CN", **user_values) for _ in range(n)]
    for user in users:
        notify(user, "conference_cancelled", "/conferences/1", reason="当事人已和解", **CONTEXT)
    db.session.commit()
    return users


def _message() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage)).one()


def test_mail_reaches_a_real_smtp_server_as_proper_mime(make, smtp):
    smtp.start()
    user = make.user(language="zh_CN", full_name="张明", email="zhang@court.example.cn")
    notify(user, "conference_confirmed", "/conferences/1", **CONTEXT,
           alternatives=[("text/calendar; method=REQUEST", ICS)],
           attachments=[("会商.ics", "application/ics", ICS.encode())])
    db.session.commit()

    report = send_due()

    assert (report.claimed, report.sent) == (1, 1)
    [received] = smtp.messages
    assert smtp.collector.envelopes[0].rcpt_tos == ["zhang@court.example.cn"]
    assert received["Subject"] == _message().subject and "宅基地边界纠纷" in received["Subject"]
    assert received["To"].addresses[0].display_name == "张明"
    assert received["From"].addresses[0].display_name == "南城调解平台"
    assert received["Message-ID"] == _message().message_id
    assert received.get_content_type() == "multipart/mixed"
    body = received.get_body(("plain",))
    assert "宅基地边界纠纷" in body.get_content() and body.get_content_charset() == "utf-8"
    assert "<html" in received.get_body(("html",)).get_content()
    alternative = next(p for p in received.walk() if p.get_content_type() == "text/calendar")
    assert alternative.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in alternative.get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "会商.ics"
    assert attachment.get_content() == ICS.encode()
    message = _message()
    assert message.status is OutboxStatus.SENT and message.sent_at is not None


def test_plain_mail_is_just_text_and_html(make, smtp):
    smtp.start()
    _queue(make)
    send_due()
    [received] = smtp.messages
    assert received.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in received.iter_parts()] == ["text/plain", "text/html"]


def test_an_smtp_outage_delays_mail_without_duplicates(make, smtp):
    _queue(make)
    start = utcnow()

    down = send_due(now=start)
    message = _message()
    assert (down.claimed, down.sent, down.retrying) == (1, 0, 1)
    assert message.status is OutboxStatus.PENDING and message.attempts == 1
    assert message.next_attempt_at == start + timedelta(minutes=1)
    assert "Connection refused" in message.last_error or "Errno" in message.last_error
    assert send_due(now=start + timedelta(seconds=30)).claimed == 0  # not due yet

    smtp.start()
    later = start + timedelta(minutes=1, seconds=1)
    assert send_due(now=later).sent == 1
    assert send_due(now=later + timedelta(hours=2)).claimed == 0
    assert len(smtp.messages) == 1
    message = _message()
    assert message.status is OutboxStatus.SENT and message.attempts == 2
    assert message.last_error is None


def test_mail_is_marked_failed_after_the_last_attempt(app, make, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    _queue(make)
    now = utcnow()
    for _ in range(5):
        send_due(now=now)
        now += timedelta(hours=1)
    message = _message()
    assert message.status is OutboxStatus.FAILED and message.attempts == 3
    assert message.last_error


def test_a_sender_that_died_mid_delivery_is_replaced_after_its_lease(app, make, smtp):
    smtp.start()
    _queue(make)
    message = _message()
    now = utcnow()
    # what a crashed sender leaves behind: claimed, lease running, never finished
    message.status, message.claimed_until, message.claim_token = (
        OutboxStatus.SENDING, now + timedelta(minutes=5), "dead")
    message.attempts = 1
    db.session.commit()
    assert send_due(now=now).claimed == 0
    assert send_due(now=now + timedelta(minutes=6)).sent == 1
    assert _message().status is OutboxStatus.SENT and len(smtp.messages) == 1


def test_back_off_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_concurrent_senders_deliver_every_message_exactly_once(app, make, smtp):
    smtp.start()
    _queue(make, n=24)
    errors = []

    def sender():
        try:
            with app.app_context():
                while send_due(limit=3).claimed:
                    pass
                db.session.remove()
        except Exception as error:  # surfaced below, a thread cannot fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 24 and len(set(ids)) == 24
    statuses = db.session.scalars(sa.select(OutboxMessage.status)).all()
    assert set(statuses) == {OutboxStatus.SENT}


def test_cli_sends_once(app, make, smtp):
    smtp.start()
    _queue(make, n=2)
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output and len(smtp.messages) == 2


def test_a_row_taken_over_by_another_sender_is_not_sent_again(make, smtp, monkeypatch):
    """If our lease ran out and another sender re-claimed a row, we leave it to that sender."""
    from portal.notifications import outbox

    smtp.start()
    _queue(make, n=2)
    first, second = db.session.scalars(sa.select(OutboxMessage.id).order_by(
        OutboxMessage.id)).all()
    original = outbox._Relay.send

    def send_then_lose_the_second(relay, mime):
        original(relay, mime)
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == second)
                           .values(claim_token="someone-else"))
        db.session.commit()

    monkeypatch.setattr(outbox._Relay, "send", send_then_lose_the_second)
    report = send_due()
    assert report.sent == 1 and len(smtp.messages) == 1
    assert db.session.get(OutboxMessage, first).status is OutboxStatus.SENT
    assert db.session.get(OutboxMessage, second).status is OutboxStatus.SENDING
