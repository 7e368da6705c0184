"""Reading the record's form: each part's rows from the submitted fields, validated.

The record is one form. Each part carries a digest of the values it was shown with, so a
save stores only the parts the secretary changed and two people recording different parts
at once do not stand in each other's way. `shown` and `submitted` put stored data and
submitted fields into the same plain shape for that comparison, and for showing input
again after a refusal.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from portal.errors import DomainError
from portal.timeutil import local_zone
from reports.minutes import AttendanceStatus, Outcome

MAX_ROWS = 60
# Attendees sign in on arrival, which may be a little before the session opens.
EARLY_SIGN_IN = timedelta(minutes=30)

ROWS = {
    "attendance": ("att", ("user_id", "name", "body", "role", "delegate_of", "status", "time",
                           "ack")),
    "agenda": ("ag", ("title", "notes")),
    "accounts": ("acc", ("party", "psychological", "emotional", "consequences", "interests")),
    "opinions": ("op", ("body", "speaker", "text")),
    "actions": ("act", ("owner_body", "owner", "task", "due", "feedback")),
}
OUTCOME_FIELDS = ("outcome", "referral", "next_steps", "summary")
TERM_FIELDS = ("text", "obligor", "manner", "deadline")
# A blank row still submits its status select; it says nothing by itself.
_FILLER = frozenset({"status"})


def _clean(value) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _rows(form, prefix: str, fields: tuple[str, ...]) -> list[tuple[int, dict]]:
    """The submitted rows with the index their fields are named by."""
    rows = []
    for index in range(MAX_ROWS):
        if not any(form.get(f"{prefix}-{index}-{f}") is not None for f in fields):
            continue
        rows.append((index, {f: _clean(form.get(f"{prefix}-{index}-{f}")) for f in fields}))
    return rows


def _blank(row: dict) -> bool:
    return not any(value for name, value in row.items() if name not in _FILLER)


def submitted(form, key: str):
    """The part as the browser sent it, in the shape `shown` gives."""
    if key == "outcome":
        values = {name: _clean(form.get(name)) for name in OUTCOME_FIELDS}
        # A plain list of lines in ``terms`` (an older form, the API) is read as terms too.
        values["terms"] = [row for _index, row in _rows(form, "term", TERM_FIELDS)
                           if not _blank(row)] + [
            dict.fromkeys(TERM_FIELDS, "") | {"text": line}
            for line in _lines(_clean(form.get("terms")))]
        return values
    prefix, fields = ROWS[key]
    return [row for _index, row in _rows(form, prefix, fields) if not _blank(row)]


def _clock(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(local_zone()).strftime("%H:%M")


def shown(key: str, data):
    """A stored part as the form shows it: every value a string, as a browser sends it."""
    if key == "outcome":
        data = data or {}
        return {"outcome": _clean(data.get("outcome")), "referral": _clean(data.get("referral")),
                "terms": [{"text": _clean(row.get("term")), "obligor": _clean(row.get("obligor")),
                           "manner": _clean(row.get("manner")),
                           "deadline": _clean(row.get("deadline"))}
                          for row in data.get("term_details")
                          or [{"term": term} for term in data.get("terms") or []]],
                "next_steps": "\n".join(data.get("next_steps") or []),
                "summary": _clean(data.get("summary"))}
    rows = []
    for row in data or []:
        if key == "attendance":
            linked = bool(row.get("user_id"))
            row = {"user_id": str(row["user_id"]) if linked else "",
                   "name": "" if linked else row.get("name", ""),
                   "body": row.get("body", ""), "role": row.get("role", ""),
                   "delegate_of": row.get("delegate_of", ""),
                   "status": row.get("status") or AttendanceStatus.PRESENT.value,
                   "time": _clock(row.get("signed_in_at")), "ack": "1" if row.get("ack") else ""}
        shaped = {f: _clean(str(row.get(f) or "")) for f in ROWS[key][1]}
        if not _blank(shaped):
            rows.append(shaped)
    return rows


def digest(shaped) -> str:
    text = json.dumps(shaped, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _time_on(day: date, value: str, line: int, field: str) -> str | None:
    if not value:
        return None
    try:
        clock = datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise DomainError(_("Row %(n)d: write the time as HH:MM.", n=line), field) from None
    return datetime.combine(day, clock, local_zone()).isoformat()


def _within(moment: str | None, session: tuple[datetime, datetime | None] | None,
            line: int, field: str) -> None:
    if moment is None or session is None:
        return
    start, end = session
    at = datetime.fromisoformat(moment)
    if at < start - EARLY_SIGN_IN or (end is not None and at > end):
        zone = local_zone()
        span = f"{(start - EARLY_SIGN_IN).astimezone(zone):%H:%M}–" + (
            f"{end.astimezone(zone):%H:%M}" if end is not None else "")
        raise DomainError(_("Row %(n)d: the sign-in time lies outside the session "
                            "(%(span)s).", n=line, span=span), field)


def attendance(form, day: date,
               session: tuple[datetime, datetime | None] | None = None) -> list[dict]:
    """The attendance rows; sign-in times must fall within ``session`` (start, end).

    A row is either an account (``user_id``; the service checks it was invited and
    fills in the name) or a guest without one, named by hand, who does not sign.
    """
    rows = []
    for line, (index, row) in enumerate(_rows(form, *ROWS["attendance"]), start=1):
        field = f"att-{index}-"
        if row["user_id"] and not row["user_id"].isdigit():
            raise DomainError(_("Row %(n)d: choose the attendee from the list.", n=line),
                              field + "user_id")
        if row["user_id"] and row["name"]:
            raise DomainError(_("Row %(n)d: choose an account or type a guest's name, not "
                                "both.", n=line), field + "name")
        if not (row["user_id"] or row["name"]):
            if any(row[f] for f in ("body", "role", "delegate_of", "time")):
                raise DomainError(_("Row %(n)d: choose the attendee or type a guest's name.",
                                    n=line), field + "user_id")
            continue
        if row["status"] not in {s.value for s in AttendanceStatus}:
            raise DomainError(_("Row %(n)d: choose the attendance status.", n=line),
                              field + "status")
        signed_in_at = _time_on(day, row["time"], line, field + "time")
        _within(signed_in_at, session, line, field + "time")
        rows.append({
            "user_id": int(row["user_id"]) if row["user_id"] else None,
            "name": row["name"][:60], "body": row["body"][:120], "role": row["role"][:60],
            "status": row["status"], "delegate_of": row["delegate_of"][:60],
            "signed_in_at": signed_in_at, "ack": bool(row["ack"]),
        })
    if not rows:
        raise DomainError(_("Record at least one attendee."), "att-0-user_id")
    return rows


def agenda(form) -> list[dict]:
    return [{"title": r["title"][:200], "notes": r["notes"][:10000]}
            for _i, r in _rows(form, *ROWS["agenda"]) if r["title"] or r["notes"]]


def accounts(form) -> list[dict]:
    fields = ROWS["accounts"][1]
    return [{f: r[f][:4000] for f in fields} for _i, r in _rows(form, "acc", fields)
            if r["party"]]


def opinions(form) -> list[dict]:
    return [{"body": r["body"][:120], "speaker": r["speaker"][:60], "text": r["text"][:6000]}
            for _i, r in _rows(form, *ROWS["opinions"]) if r["body"]]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _terms(rows: list[dict]) -> list[dict]:
    """The agreed terms, each with who performs it, how and by when (what the mediation
    agreement needs)."""
    terms = []
    for line, row in enumerate(rows, start=1):
        if not row["text"]:
            if row["manner"] or row["deadline"]:
                raise DomainError(_("Term %(n)d: write the term itself.", n=line), "terms")
            continue
        if row["deadline"]:
            try:
                date.fromisoformat(row["deadline"])
            except ValueError:
                raise DomainError(_("Term %(n)d: give the deadline as a date.", n=line),
                                  "terms") from None
        terms.append({"term": row["text"][:2000], "obligor": row["obligor"][:60],
                      "manner": row["manner"][:500], "deadline": row["deadline"]})
    return terms


def outcome(form) -> dict:
    values = submitted(form, "outcome")
    if values["outcome"] not in {o.value for o in Outcome}:
        raise DomainError(_("Choose the outcome of the conference."), "outcome")
    details = _terms(values["terms"])
    terms = [row["term"] for row in details]
    if values["outcome"] in ("agreement", "partial") and not terms:
        raise DomainError(_("List the agreed terms, one per line."), "terms")
    referral = values["referral"][:500]
    if values["outcome"] == "none" and not referral:
        raise DomainError(_("Without agreement, say where the dispute is referred."),
                          "referral")
    return {"outcome": values["outcome"], "terms": terms, "term_details": details,
            "next_steps": _lines(values["next_steps"]),
            "summary": values["summary"][:6000], "referral": referral}


def actions(form, bodies: set[str]) -> list[dict]:
    rows = []
    for line, (index, row) in enumerate(_rows(form, *ROWS["actions"]), start=1):
        if not row["task"]:
            continue
        if row["owner_body"] not in bodies:
            raise DomainError(_("Action %(n)d: choose the body that owns it.", n=line),
                              f"act-{index}-owner_body")
        try:
            due = date.fromisoformat(row["due"])
        except ValueError:
            raise DomainError(_("Action %(n)d: give a due date.", n=line),
                              f"act-{index}-due") from None
        rows.append({"owner_body": row["owner_body"], "owner": row["owner"][:60],
                     "task": row["task"][:2000], "due": due.isoformat(),
                     "feedback": row["feedback"][:1000]})
    return rows
