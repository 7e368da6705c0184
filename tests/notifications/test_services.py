from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from portal.config import ROOT
from portal.extensions import db
from portal.notifications.mail import KINDS
from portal.notifications.models import Notification, OutboxMessage, OutboxStatus, PartRole
from portal.notifications.services import notify

CONTEXT = dict(conference_title="宅基地边界纠纷", reference="南城矛〔2026〕17号",
               convener="李建国")


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_notify_adds_a_notification_and_a_mail_that_commit_with_the_caller(make):
    user = make.user(language="zh_CN")
    notify(user, "quorum_reached", "/conferences/1", **CONTEXT)
    db.session.commit()
    notification = db.session.scalars(sa.select(Notification)).one()
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    assert notification.recipient_id == user.id and notification.read_at is None
    assert mail.notification_id == notification.id and mail.to_address == user.email
    assert mail.status is OutboxStatus.PENDING and mail.subject == notification.subject


def test_a_rolled_back_caller_leaves_neither_notification_nor_mail(make):
    user = make.user()
    notify(user, "conference_cancelled", "/conferences/1", reason="当事人已和解", **CONTEXT)
    db.session.rollback()
    assert count(Notification) == 0
    assert count(OutboxMessage) == 0


def test_text_is_written_in_the_recipients_language(make):
    chinese, english = make.user(language="zh_CN"), make.user(language="en")
    zh = notify(chinese, "conference_cancelled", "/conferences/1", **CONTEXT)
    en = notify(english, "conference_cancelled", "/conferences/1", **CONTEXT)
    db.session.commit()
    assert en.subject == "Conference cancelled: 宅基地边界纠纷 (南城矛〔2026〕17号)"
    assert zh.subject != en.subject and "取消" in zh.subject
    assert "has been cancelled" in en.body and "取消" in zh.body


def test_a_person_without_email_gets_only_the_inbox_entry(make):
    user = make.user(email=None)
    notify(user, "quorum_reached", "/conferences/1", **CONTEXT)
    db.session.commit()
    assert count(Notification) == 1
    assert count(OutboxMessage) == 0


def test_a_missing_time_reads_not_yet_fixed(make):
    user = make.user(language="en")
    notification = notify(user, "invitation_received", "/conferences/1", **CONTEXT)
    assert "Time: time not yet fixed" in notification.body
    assert "Room: room not yet fixed" in notification.body


def test_times_are_shown_in_the_recipients_zone_and_language(make):
    when = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    chinese = make.user(language="zh_CN", timezone="Asia/Shanghai")
    english = make.user(language="en", timezone="Europe/London")
    zh = notify(chinese, "conference_confirmed", "/c/1", when=when, room="致和调解室", **CONTEXT)
    en = notify(english, "conference_confirmed", "/c/1", when=when, room="致和调解室", **CONTEXT)
    assert "2026年12月3日（星期四）09:30（北京时间）" in zh.body
    assert "Thu 3 Dec 2026, 01:30 (Europe/London)" in en.body


def test_the_mail_states_the_essentials_and_links_absolutely(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", "https://tiaojie.example.gov.cn/")
    user = make.user(language="en", full_name="Zhang Ming")
    notify(user, "answer_changed", "/conferences/7", who="刘芳", body="南城司法所",
           answer="Declined", reason="另有庭审", **CONTEXT)
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    for text in (mail.text_body, mail.html_body):
        assert "https://tiaojie.example.gov.cn/conferences/7" in text
        assert "刘芳" in text and "Declined" in text and "另有庭审" in text
        assert "南城矛〔2026〕17号" in text
    assert mail.text_body.startswith("Hello Zhang Ming,")
    assert "<html" in mail.html_body and "<link" not in mail.html_body


def test_html_mail_escapes_what_people_typed(make):
    user = make.user(language="en")
    notify(user, "conference_cancelled", "/c/1", reason="<script>x</script>", **CONTEXT)
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    assert "<script>" not in mail.html_body and "&lt;script&gt;" in mail.html_body
    assert "<script>x</script>" in mail.text_body


def test_extra_parts_are_kept_for_the_sender(make):
    user = make.user()
    notify(user, "conference_confirmed", "/c/1",
           alternatives=[("text/calendar; method=REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR")],
           attachments=[("invite.ics", "application/ics", b"BEGIN:VCALENDAR")], **CONTEXT)
    db.session.commit()
    parts = db.session.scalars(sa.select(OutboxMessage)).one().parts
    assert [(p.role, p.mimetype, p.filename) for p in parts] == [
        (PartRole.ALTERNATIVE, "text/calendar; method=REQUEST", None),
        (PartRole.ATTACHMENT, "application/ics", "invite.ics"),
    ]


@pytest.mark.parametrize("kind", sorted(k for k in KINDS if not k.startswith("resident_")))
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_kind_renders_with_only_the_conference_known(make, kind, language):
    user = make.user(language=language)
    notification = notify(user, kind, "/conferences/1", **CONTEXT)
    assert "宅基地边界纠纷" in notification.subject
    assert "南城矛〔2026〕17号" in notification.body


def test_links_must_stay_inside_the_portal(make):
    user = make.user()
    for link in ("https://evil.example/", "//evil.example/x", "conferences/1"):
        with pytest.raises(ValueError):
            notify(user, "quorum_reached", link, **CONTEXT)


def test_unknown_kinds_are_refused(make):
    with pytest.raises(ValueError):
        notify(make.user(), "no_such_kind", "/", **CONTEXT)


def test_plain_text_mail_templates_use_only_translated_messages():
    """Babel extracts templates/**.html only; the .txt twins must reuse those messages."""
    path = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with Path(path).open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id}
    for template in sorted((ROOT / "templates" / "mail").glob("*.txt")):
        for _line, message, _comments, _context in extract_from_file(
                "jinja2", str(template), keywords={"_": None}):
            assert catalogue.get(message), f"{template.name}: untranslated {message!r}"
