"""Reading the record's forms: each part's rows from the submitted fields, validated."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from portal.errors import DomainError
from portal.timeutil import local_zone
from reports.minutes import AttendanceStatus, Outcome

MAX_ROWS = 60
# Attendees sign in on arrival, which may be a little before the session opens.
EARLY_SIGN_IN = timedelta(minutes=30)


def _rows(form, prefix: str, fields: tuple[str, ...]) -> list[dict]:
    rows = []
    for index in range(MAX_ROWS):
        row = {f: (form.get(f"{prefix}-{index}-{f}") or "").strip() for f in fields}
        if not any(form.get(f"{prefix}-{index}-{f}") is not None for f in fields):
            continue
        rows.append(row)
    return rows


def _time_on(day: date, value: str, line: int) -> str | None:
    if not value:
        return None
    try:
        clock = datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise DomainError(_("Row %(n)d: write the time as HH:MM.", n=line)) from None
    return datetime.combine(day, clock, local_zone()).isoformat()


def _within(moment: str | None, session: tuple[datetime, datetime | None] | None,
            line: int) -> None:
    if moment is None or session is None:
        return
    start, end = session
    at = datetime.fromisoformat(moment)
    if at < start - EARLY_SIGN_IN or (end is not None and at > end):
        zone = local_zone()
        span = f"{(start - EARLY_SIGN_IN).astimezone(zone):%H:%M}–" + (
            f"{end.astimezone(zone):%H:%M}" if end is not None else "")
        raise DomainError(_("Row %(n)d: the sign-in time lies outside the session "
                            "(%(span)s).", n=line, span=span))


def attendance(form, day: date,
               session: tuple[datetime, datetime | None] | None = None) -> list[dict]:
    """The attendance rows; sign-in times must fall within ``session`` (start, end)."""
    rows = []
    fields = ("user_id", "name", "body", "role", "status", "delegate_of", "time", "ack")
    for line, row in enumerate(_rows(form, "att", fields), start=1):
        if not row["name"]:
            if any(row[f] for f in ("body", "role", "delegate_of", "time")):
                raise DomainError(_("Row %(n)d: give the attendee's name.", n=line))
            continue
        if row["status"] not in {s.value for s in AttendanceStatus}:
            raise DomainError(_("Row %(n)d: choose the attendance status.", n=line))
        signed_in_at = _time_on(day, row["time"], line)
        _within(signed_in_at, session, line)
        rows.append({
            "user_id": int(row["user_id"]) if row["user_id"].isdigit() else None,
            "name": row["name"][:60], "body": row["body"][:120], "role": row["role"][:60],
            "status": row["status"], "delegate_of": row["delegate_of"][:60],
            "signed_in_at": signed_in_at, "ack": bool(row["ack"]),
        })
    if not rows:
        raise DomainError(_("Record at least one attendee."))
    return rows


def agenda(form) -> list[dict]:
    return [{"title": r["title"][:200], "notes": r["notes"][:10000]}
            for r in _rows(form, "ag", ("title", "notes")) if r["title"] or r["notes"]]


def accounts(form) -> list[dict]:
    fields = ("party", "psychological", "emotional", "consequences", "interests")
    return [{f: r[f][:4000] for f in fields} for r in _rows(form, "acc", fields) if r["party"]]


def opinions(form) -> list[dict]:
    return [{"body": r["body"][:120], "speaker": r["speaker"][:60], "text": r["text"][:6000]}
            for r in _rows(form, "op", ("body", "speaker", "text")) if r["body"]]


def _terms(form) -> list[dict]:
    """The agreed terms, each with who performs it, how and by when (what the mediation
    agreement needs); a plain list of lines in ``terms`` is read too, without those."""
    fields = ("text", "obligor", "manner", "deadline")
    rows = []
    for line, row in enumerate(_rows(form, "term", fields), start=1):
        if not row["text"]:
            if row["manner"] or row["deadline"]:
                raise DomainError(_("Term %(n)d: write the term itself.", n=line))
            continue
        if row["deadline"]:
            try:
                date.fromisoformat(row["deadline"])
            except ValueError:
                raise DomainError(_("Term %(n)d: give the deadline as a date.", n=line)) from None
        rows.append({"term": row["text"][:2000], "obligor": row["obligor"][:60],
                     "manner": row["manner"][:500], "deadline": row["deadline"]})
    rows += [{"term": line.strip()[:2000], "obligor": "", "manner": "", "deadline": ""}
             for line in (form.get("terms") or "").splitlines() if line.strip()]
    return rows


def outcome(form) -> dict:
    value = (form.get("outcome") or "").strip()
    if value not in {o.value for o in Outcome}:
        raise DomainError(_("Choose the outcome of the conference."))
    details = _terms(form)
    terms = [row["term"] for row in details]
    if value in ("agreement", "partial") and not terms:
        raise DomainError(_("List the agreed terms, one per line."))
    referral = (form.get("referral") or "").strip()[:500]
    if value == "none" and not referral:
        raise DomainError(_("Without agreement, say where the dispute is referred."))
    return {"outcome": value, "terms": terms, "term_details": details,
            "next_steps": [line.strip() for line in (form.get("next_steps") or "").splitlines()
                           if line.strip()],
            "summary": (form.get("summary") or "").strip()[:6000], "referral": referral}


def actions(form, bodies: set[str]) -> list[dict]:
    rows = []
    fields = ("owner_body", "owner", "task", "due", "feedback")
    for line, row in enumerate(_rows(form, "act", fields), start=1):
        if not row["task"]:
            continue
        if row["owner_body"] not in bodies:
            raise DomainError(_("Action %(n)d: choose the body that owns it.", n=line))
        try:
            due = date.fromisoformat(row["due"])
        except ValueError:
            raise DomainError(_("Action %(n)d: give a due date.", n=line)) from None
        rows.append({"owner_body": row["owner_body"], "owner": row["owner"][:60],
                     "task": row["task"][:2000], "due": due.isoformat(),
                     "feedback": row["feedback"][:1000]})
    return rows
