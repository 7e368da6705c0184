"""The words of a dispute's timeline.

A step is stored as its kind and the facts it is made of (`DisputeEvent.data`: names,
numbers, ISO dates, enum names); `label()` and `detail()` write it in the reader's language
when it is shown, on the dispute's page as in the case file. Every EventKind has a label here,
and a kind whose sentence needs facts has a detail writer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from babel.lists import format_list
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.disputes.models import Dispute, DisputeEvent, EventKind, Referral, Status
from portal.labels import Labelled
from portal.timeutil import utcnow

LABELS = {
    EventKind.REPORTED: _l("Reported"),
    EventKind.IMPORTED: _l("Imported from the city platform"),
    EventKind.EDITED: _l("Edited"),
    EventKind.ASSIGNED: _l("Handler assigned"),
    EventKind.TAKEN_OVER: _l("Taken over"),
    EventKind.HANDLED: _l("Handling recorded"),
    EventKind.ESCALATED: _l("Escalated"),
    EventKind.DEADLINE_CHANGED: _l("Handling deadline changed"),
    EventKind.RESOLVED: _l("Resolved"),
    EventKind.REFERRED: _l("Referred"),
    EventKind.REFERRAL_RECEIVED: _l("Referral received"),
    EventKind.FEEDBACK: _l("Feedback to the parties"),
    EventKind.CLOSED: _l("Closed"),
    EventKind.REOPENED: _l("Reopened"),
    EventKind.IN_CONFERENCE: _l("Joint conference in session"),
    EventKind.MINUTES_ISSUED: _l("Minutes signed"),
    EventKind.AGREEMENT_DRAFTED: _l("Mediation agreement drawn up"),
    EventKind.AGREEMENT_EFFECTIVE: _l("Mediation agreement in effect"),
    EventKind.CONFIRMATION_FILED: _l("Judicial confirmation applied for"),
    EventKind.CONFIRMATION_DECIDED: _l("Judicial confirmation decided"),
    EventKind.NOTICE_GIVEN: _l("Notice of rights and duties given"),
    EventKind.TASK_REPORTED: _l("Task progress reported"),
    EventKind.RETURN_VISIT: _l("Return visit"),
}

# The fields an edit may change, by the names the dispute's form gives them.
FIELDS = {
    "title": _l("Title"), "category": _l("Category"), "village_id": _l("Village or community"),
    "source": _l("Source"), "risk": _l("Risk level"), "description": _l("Description"),
    "claims": _l("Claims"), "amount": _l("Amount in dispute (yuan)"),
    "occurred_on": _l("Date it happened"), "due_on": _l("Deadline"),
    "external_ref": _l("City-platform number"), "parties": _l("Parties"),
}
# The enums of facts that steps written by the domains above store by name (a court's
# decision, a task's state, a party's rating on the case page); those domains hand them
# over at start-up in portal.wiring, since the register does not import them.
VALUE_ENUMS: dict[str, type[Labelled]] = {}
ONLINE = _l("On the case page")
NOTICE_METHODS = {"in_person": _l("Handed over"), "post": _l("By post"),
                  "read_aloud": _l("Read aloud")}
# Why a deadline moved.
DEADLINE_REASONS = {
    "escalated": _l("tier 3 is given 30 days from the escalation"),
    "edited": _l("changed on the dispute's form"),
}


def add(dispute: Dispute, kind: EventKind, actor=None, note: str = "", *,
        at: datetime | None = None, before: Status | None = None, after: Status | None = None,
        **data) -> DisputeEvent:
    """Append a step; `data` holds plain values only (dates as ISO text, enums by name)."""
    event = DisputeEvent(actor_id=actor.id if actor else None, action=kind.value, note=note,
                         from_status=before, to_status=after, data=data, at=at or utcnow())
    dispute.events.append(event)
    return event


def label(event: DisputeEvent) -> str:
    kind = event.kind
    return str(LABELS[kind]) if kind else _("Other step")


def detail(event: DisputeEvent) -> str:
    """The sentence the event's facts make, or "" for an event that is all note."""
    write = DETAILS.get(event.kind)
    return write(event.data) if write and event.data else ""


def satisfaction_label(value: str | None) -> str:
    """How satisfied the parties were, from the value the feedback and visit forms store."""
    # Imported here: the forms import the services, which import this module.
    from portal.disputes.forms import SATISFACTION

    return str(dict(SATISFACTION).get(value, "—"))


def method_label(value: str | None) -> str:
    """How the parties were told the outcome."""
    from portal.disputes.forms import FEEDBACK_METHODS

    return str({**dict(FEEDBACK_METHODS), "online": ONLINE}.get(value, "—"))


def _date(value: str | None) -> str:
    return format_date(date.fromisoformat(value), "long") if value else "—"


def _named(labels: dict, value: str | None) -> str:
    return str(labels[value]) if value in labels else "—"


def _member(enum_class, name: str | None) -> str:
    return enum_class[name].label if name in enum_class.__members__ else "—"


def _imported(d: dict) -> str:
    if d.get("channel"):
        return _("City-platform number %(ref)s, received via %(channel)s",
                 ref=d.get("external_ref"), channel=d["channel"])
    return _("City-platform number %(ref)s", ref=d.get("external_ref"))


def _feedback(d: dict) -> str:
    if d.get("rating"):
        return _("A party rated the result on the case page: %(rating)s.",
                 rating=_member(VALUE_ENUMS["rating"], d["rating"]))
    return _("%(method)s; satisfaction: %(satisfaction)s.", method=method_label(d.get("method")),
             satisfaction=satisfaction_label(d.get("satisfaction")))


def _filed(d: dict) -> str:
    text = _("Filed with %(court)s on %(date)s.", court=d.get("court"),
             date=_date(d.get("filed_on")))
    return text + " " + _("The application was late.") if d.get("late") else text


DETAILS: dict[EventKind, Callable[[dict], str]] = {
    EventKind.IMPORTED: _imported,
    EventKind.EDITED: lambda d: _("Changed: %(fields)s.", fields=format_list(
        [str(FIELDS.get(f, f)) for f in d.get("fields", [])], locale=get_locale())),
    EventKind.ASSIGNED: lambda d: _("Handler: %(name)s.", name=d.get("handler")),
    EventKind.TAKEN_OVER: lambda d: _("Handler: %(name)s.", name=d.get("handler")),
    EventKind.ESCALATED: lambda d: _("From tier %(old)s to tier %(new)s.",
                                     old=d.get("from_tier"), new=d.get("to_tier")),
    EventKind.DEADLINE_CHANGED: lambda d: _(
        "From %(old)s to %(new)s: %(reason)s.", old=_date(d.get("from")), new=_date(d.get("to")),
        reason=_named(DEADLINE_REASONS, d.get("reason"))),
    EventKind.REFERRED: lambda d: _("%(kind)s: %(body)s.", body=d.get("body"),
                                    kind=_member(Referral, d.get("referral"))),
    EventKind.REFERRAL_RECEIVED: lambda d: _("Received by %(body)s under %(reference)s.",
                                             body=d.get("body"),
                                             reference=d.get("reference") or "—"),
    EventKind.FEEDBACK: _feedback,
    EventKind.MINUTES_ISSUED: lambda d: _("Version %(version)s of the minutes was signed by "
                                          "everyone.", version=d.get("version")),
    EventKind.AGREEMENT_DRAFTED: lambda d: _("Agreement %(number)s.", number=d.get("number")),
    EventKind.AGREEMENT_EFFECTIVE: lambda d: _(
        "Agreement %(number)s is in effect from %(date)s.", number=d.get("number"),
        date=_date(d.get("effective_on"))),
    EventKind.CONFIRMATION_FILED: _filed,
    EventKind.CONFIRMATION_DECIDED: lambda d: _(
        "%(outcome)s. %(ruling)s", outcome=_member(VALUE_ENUMS["confirmation"], d.get("outcome")),
        ruling=d.get("ruling") or "").strip(),
    EventKind.NOTICE_GIVEN: lambda d: _(
        "Given to %(party)s on %(date)s (%(method)s).", party=d.get("party"),
        date=_date(d.get("given_on")), method=_named(NOTICE_METHODS, d.get("method"))),
    EventKind.TASK_REPORTED: lambda d: _("%(task)s: %(state)s.", task=d.get("task"),
                                         state=_member(VALUE_ENUMS["task_state"], d.get("state"))),
    EventKind.RETURN_VISIT: lambda d: _(
        "Visited %(visited)s; satisfaction: %(satisfaction)s.", visited=d.get("visited"),
        satisfaction=satisfaction_label(d.get("satisfaction"))),
}
