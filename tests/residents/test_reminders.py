from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.notifications.models import Notification
from portal.orgs.models import Role
from portal.residents import services
from portal.scheduler.tick import tick
from tests.residents.conftest import request_input


def _overdue_recipients():
    return sorted(db.session.scalars(sa.select(Notification.recipient_id).where(
        Notification.kind == "resident_request_overdue")))


def test_first_contact_reminder_goes_out_once_when_the_time_passes(world, make):
    convener = make.user(Role.CONVENER)
    request = services.submit_from_doorplate(world.plate, request_input())
    due = request.first_contact_due_at
    tick(due - timedelta(minutes=1))
    assert _overdue_recipients() == []
    tick(due + timedelta(minutes=1))
    tick(due + timedelta(minutes=2))
    assert _overdue_recipients() == sorted([world.grid_worker.id, world.police.id,
                                            convener.id])


def test_no_reminder_once_the_resident_was_contacted(world, make):
    make.user(Role.CONVENER)
    request = services.submit_from_doorplate(world.plate, request_input())
    services.record_contact(world.grid_worker, request, "已电话联系，约定明天上门")
    tick(request.first_contact_due_at + timedelta(hours=1))
    assert _overdue_recipients() == []


def test_the_first_contact_time_is_a_setting(world, app):
    app.config["PORTAL_FIRST_CONTACT_HOURS"] = 4
    try:
        request = services.submit_from_doorplate(world.plate, request_input())
    finally:
        app.config["PORTAL_FIRST_CONTACT_HOURS"] = 24
    assert request.first_contact_due_at - request.received_at == timedelta(hours=4)


def test_the_overdue_notice_names_the_address_and_the_code_in_both_languages(world, make):
    from portal.notifications.services import notify

    for language, words in (("zh_CN", "尚未被联系"), ("en", "Nobody has contacted")):
        user = make.user(language=language)
        sent = notify(user, "resident_request_overdue", "/residents/requests/1",
                      village="米山村", address="米山村一组12号", topic="邻里纠纷",
                      due=datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
                      code="ABCD-EFGH")
        assert "米山村一组12号" in sent.subject and words in sent.body
        assert "ABCD-EFGH" in sent.body
