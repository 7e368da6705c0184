"""Bulk import of disputes from the city platform's CSV export (市平台导出).

The file is taken whole or not at all: every row is checked first, and if any cell is
wrong the import raises `ImportRejected` listing every problem with its line number, and
writes nothing. The column layout is documented in docs/import-format.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit.services import Entry, record_many
from portal.csvfiles import ImportRejected, RowError, decode
from portal.disputes import references, search
from portal.disputes.identity import id_number_problem, normalise_id
from portal.disputes.models import (
    Category,
    Dispute,
    DisputeEvent,
    Party,
    PartyRole,
    Risk,
    Source,
    Status,
)
from portal.disputes.services import DEFAULT_DAYS, local_today
from portal.extensions import db
from portal.orgs.models import User, Village
from portal.permissions import ensure
from portal.statistics import cache, upkeep
from portal.timeutil import local_zone, utcnow
from portal.validators import is_phone

REF, TITLE, CATEGORY, TIER, VILLAGE, SOURCE, RISK = (
    "平台编号", "标题", "类别", "层级", "村社区", "来源", "风险等级")
OCCURRED, DESCRIPTION, CLAIMS, AMOUNT, PARTIES = (
    "发生日期", "简要情况", "诉求", "争议金额", "当事人")
REQUIRED = (REF, TITLE, CATEGORY, VILLAGE, DESCRIPTION, PARTIES)
COLUMNS = (REF, TITLE, CATEGORY, TIER, VILLAGE, SOURCE, RISK, OCCURRED, DESCRIPTION, CLAIMS,
           AMOUNT, PARTIES)
MAX_LENGTH = {REF: 64, TITLE: 120, SOURCE: 60}

# The city platform's category names; a trailing 纠纷 is ignored, enum names are accepted too.
CATEGORY_NAMES = {
    Category.NEIGHBOUR: ("邻里",),
    Category.MARRIAGE_FAMILY: ("婚姻家庭", "婚姻", "家庭"),
    Category.LAND_FOREST: ("土地山林", "土地林地", "土地", "山林"),
    Category.LABOUR_WAGES: ("劳资", "劳资欠薪", "欠薪", "劳动争议"),
    Category.CONSTRUCTION_PROPERTY: ("建设工程与物业", "建设工程", "物业"),
    Category.TRAFFIC_ACCIDENT: ("交通事故",),
    Category.ENVIRONMENTAL_POLLUTION: ("环境污染", "生态环境"),
    Category.CONSUMER_QUALITY: ("消费与产品质量", "消费", "产品质量"),
    Category.MEDICAL: ("医疗", "医患"),
    Category.EDUCATION_CAMPUS: ("教育校园", "校园", "教育"),
    Category.DEBT_CONTRACT: ("债务合同", "债务", "合同", "借贷"),
    Category.OTHER: ("其他",),
}
TIERS = {"1": 1, "2": 2, "3": 3, "一级": 1, "二级": 2, "三级": 3, "一": 1, "二": 2, "三": 3}
RISKS = {"低": Risk.LOW, "中": Risk.MEDIUM, "高": Risk.HIGH}
ROLES = {"申请人": PartyRole.APPLICANT, "被申请人": PartyRole.RESPONDENT,
         "第三人": PartyRole.THIRD_PARTY}

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_AMOUNT = re.compile(r"^\d+(?:\.\d{1,2})?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)
_MAX_AMOUNT = Decimal("1e12")
# Rows per multi-row statement: large enough to be quick, small enough to stay lean.
CHUNK = 1_000


@dataclass
class ImportResult:
    ids: list[int]
    first_reference: str
    last_reference: str

    @property
    def count(self) -> int:
        return len(self.ids)


def import_csv(actor: User, data: bytes) -> ImportResult:
    """Register every dispute in a city-platform CSV export, or none of them."""
    ensure(actor, "dispute.import")
    text = decode(data)
    # The file is read again rather than kept as rows, so that memory does not grow with
    # it: the first pass proves it well-formed and collects the platform numbers to look
    # up, the second checks every row, the third writes them a chunk at a time.
    refs = [cells[REF] for _line, cells in _read_rows(text) if cells[REF]]
    checker = _RowChecker(refs)
    total = 0
    for line, cells in _read_rows(text):
        checker.check(line, cells)
        total += 1
    if checker.errors:
        raise ImportRejected(
            _("Nothing was imported: %(problems)d problems in %(rows)d of %(total)d rows.",
              problems=len(checker.errors), rows=len({e.line for e in checker.errors}),
              total=total),
            checker.errors)
    # Every row passed, so a fresh checker (nothing seen or registered) gives each again.
    rows = _RowChecker([])
    return _register(actor, (rows.check(line, cells) for line, cells in _read_rows(text)),
                     total)


def _read_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as (line the row starts on, {column: cell}), after checking the header row;
    a file that is not well-formed raises once every row was read."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lstrip("\ufeff") for cell in next(reader)]
    except csv.Error as error:
        raise ImportRejected(_("The file is not valid CSV: %(reason)s", reason=error)) from None
    _check_header(header)
    found = 0
    errors: list[RowError] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(line, _("The row is not valid CSV: %(reason)s",
                                           reason=error)))
            break
        if any(cell.strip() for cell in cells):
            while len(cells) > len(header) and not cells[-1].strip():
                cells.pop()  # spreadsheets sometimes leave empty cells after the last column
            if len(cells) != len(header):
                errors.append(RowError(line, _(
                    "The row has %(found)d cells but the header row has %(expected)d.",
                    found=len(cells), expected=len(header))))
            else:
                found += 1
                yield line, dict(zip(header, (c.strip() for c in cells), strict=True))
        line = reader.line_num + 1
    if errors:
        raise ImportRejected(_("Nothing was imported: the file is not well-formed CSV."),
                             errors)
    if not found:
        raise ImportRejected(_("The file has a header row but no disputes."))


def _check_header(header: list[str]) -> None:
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if not (missing or unknown or repeated):
        return
    parts = [_("The header row does not match the city platform's export format.")]
    if missing:
        parts.append(_("Missing columns: %(names)s.", names="、".join(missing)))
    if unknown:
        parts.append(_("Unknown columns: %(names)s.",
                       names="、".join(name or "“”" for name in unknown)))
    if repeated:
        parts.append(_("Repeated columns: %(names)s.", names="、".join(repeated)))
    parts.append(_("Expected columns: %(names)s.", names="、".join(COLUMNS)))
    message = " ".join(parts)
    raise ImportRejected(message, [RowError(1, message)])


@dataclass(slots=True)
class _Row:
    line: int
    external_ref: str
    title: str
    category: Category
    tier: int
    village_id: int
    channel: str
    risk: Risk
    occurred_on: date | None
    description: str
    claims: str
    amount: Decimal | None
    parties: list[dict]


def _category_lookup() -> dict[str, Category]:
    lookup = {}
    for category, names in CATEGORY_NAMES.items():
        lookup[category.name] = category
        for name in names:
            lookup[name] = category
    return lookup


class _RowChecker:
    """Checks rows one by one, collecting every problem instead of stopping at the first."""

    def __init__(self, refs: list[str]):
        self.errors: list[RowError] = []
        self.today = local_today()
        self.categories = _category_lookup()
        self.villages = {v.name: v for v in db.session.scalars(sa.select(Village))}
        self.seen: dict[str, int] = {}
        self.registered = _registered(refs)

    def check(self, line: int, cells: dict[str, str]) -> _Row | None:
        self.line = line
        before = len(self.errors)
        for name in REQUIRED:
            if not cells[name]:
                self._problem(_("%(column)s is missing.", column=name))
        for name, limit in MAX_LENGTH.items():
            if len(cells.get(name, "")) > limit:
                self._problem(_("%(column)s is too long: at most %(max)d characters.",
                                column=name, max=limit))
        row = _Row(
            line=line, external_ref=self._external_ref(cells[REF]), title=cells[TITLE],
            category=self._category(cells[CATEGORY]), tier=self._tier(cells.get(TIER, "")),
            village_id=self._village(cells[VILLAGE]), channel=cells.get(SOURCE, ""),
            risk=self._risk(cells.get(RISK, "")),
            occurred_on=self._occurred(cells.get(OCCURRED, "")),
            description=cells[DESCRIPTION], claims=cells.get(CLAIMS, ""),
            amount=self._amount(cells.get(AMOUNT, "")),
            parties=self._parties(cells[PARTIES]),
        )
        return row if len(self.errors) == before else None

    def _problem(self, message: str) -> None:
        self.errors.append(RowError(self.line, message))

    def _external_ref(self, value: str) -> str:
        if not value:
            return value
        if value in self.seen:
            self._problem(_("Platform number %(ref)s already appears on line %(first)d.",
                            ref=value, first=self.seen[value]))
        else:
            self.seen[value] = self.line
        if value in self.registered:
            self._problem(_("Platform number %(ref)s is already registered as %(reference)s.",
                            ref=value, reference=self.registered[value]))
        return value

    def _category(self, value: str) -> Category | None:
        if not value:
            return None
        key = value.upper() if value.isascii() else value.removesuffix("纠纷").removesuffix("类")
        if key not in self.categories:
            self._problem(_("Unknown category “%(value)s”; the accepted names are listed in "
                            "the import format.", value=value))
        return self.categories.get(key)

    def _tier(self, value: str) -> int:
        if not value:
            return 1
        if value not in TIERS:
            self._problem(_("The tier must be 1, 2 or 3."))
        return TIERS.get(value, 1)

    def _village(self, value: str) -> int | None:
        if not value:
            return None
        village = self.villages.get(value)
        if village is None:
            self._problem(_("Unknown village or community “%(value)s”.", value=value))
            return None
        if not village.active:
            self._problem(_("The village or community “%(value)s” is deactivated.",
                            value=value))
        return village.id

    def _risk(self, value: str) -> Risk:
        if not value:
            return Risk.LOW
        key = value.upper() if value.isascii() else value.removesuffix("风险")
        risk = RISKS.get(key) or Risk.__members__.get(key)
        if risk is None:
            self._problem(_("Unknown risk level “%(value)s”; use 低, 中 or 高.", value=value))
        return risk or Risk.LOW

    def _occurred(self, value: str) -> date | None:
        if not value:
            return None
        match = _DATE.match(value)
        try:
            day = date(*(int(part) for part in match.groups())) if match else None
        except ValueError:
            day = None
        if day is None:
            self._problem(_("%(column)s “%(value)s” is not a date; write it as YYYY-MM-DD.",
                            column=OCCURRED, value=value))
        elif day > self.today:
            self._problem(_("The date it happened cannot be in the future."))
        return day

    def _amount(self, value: str) -> Decimal | None:
        value = value.replace(",", "").replace("，", "").removesuffix("元").strip()
        if not value:
            return None
        if value.startswith("-") and _AMOUNT.match(value[1:]):
            self._problem(_("The amount cannot be negative."))
            return None
        try:
            amount = Decimal(value) if _AMOUNT.match(value) else None
        except InvalidOperation:
            amount = None
        if amount is None:
            self._problem(_("%(column)s “%(value)s” is not an amount in yuan, e.g. 12000 or "
                            "3500.50.", column=AMOUNT, value=value))
        elif amount >= _MAX_AMOUNT:
            self._problem(_("%(column)s is too large.", column=AMOUNT))
            return None
        return amount

    def _parties(self, value: str) -> list[dict]:
        if not value:
            return []
        entries = [entry.strip() for entry in re.split(r"[;；\n]", value) if entry.strip()]
        if not entries:
            self._problem(_("Name at least one party."))
        return [self._party(number, entry) for number, entry in enumerate(entries, start=1)]

    def _party(self, number: int, entry: str) -> dict:
        fields = [field.strip() for field in re.split(r"[|｜]", entry)]
        fields += [""] * (5 - len(fields))
        name, role_name, id_number, phone, address = fields[:5]

        def problem(message: str) -> None:
            label = (_("Party %(n)d (%(name)s)", n=number, name=name) if name
                     else _("Party %(n)d", n=number))
            self._problem(_("%(party)s: %(problem)s", party=label, problem=message))

        if len(fields) > 5:
            problem(_("write a party as name|role|ID number|phone|address."))
            return {}
        if not name:
            problem(_("the name is missing."))
        elif len(name) > 60:
            problem(_("the name is too long: at most %(max)d characters.", max=60))
        role = ROLES.get(role_name) or PartyRole.__members__.get(role_name.upper())
        if role is None:
            problem(_("unknown role “%(value)s”; use 申请人, 被申请人 or 第三人.",
                      value=role_name) if role_name else _("the role is missing."))
        id_number = normalise_id(id_number.lstrip("'"))
        if id_number:
            reason = id_number_problem(id_number, self.today)
            if reason and _SCIENTIFIC.match(id_number):
                problem(_("a spreadsheet turned the ID number into the number %(value)s; "
                          "format the column as text and export again.", value=id_number))
            elif reason:
                problem(ID_PROBLEMS[reason]())
        phone = phone.lstrip("'").replace(" ", "")
        if phone and not is_phone(phone):
            problem(_("“%(value)s” is not a mobile number (11 digits) or a landline with area "
                      "code (e.g. 0356-1234567).", value=phone))
        if len(address) > 200:
            problem(_("the address is too long: at most %(max)d characters.", max=200))
        return {"name": name, "role": role, "id_number": id_number or None,
                "phone": phone or None, "address": address or None}


ID_PROBLEMS = {
    "shape": lambda: _("the ID number must be 17 digits followed by a digit or X."),
    "birth_date": lambda: _("the ID number's birth date is not a real date."),
    "check_digit": lambda: _("the ID number's check digit is wrong."),
}


def _registered(refs: list[str]) -> dict[str, str]:
    """{platform number: our reference} for the numbers already on the register."""
    found = {}
    for start in range(0, len(refs), 500):
        found.update(db.session.execute(
            sa.select(Dispute.external_ref, Dispute.reference)
            .where(Dispute.external_ref.in_(refs[start:start + 500]))).all())
    return found


def _register(actor: User, rows: Iterator[_Row], total: int) -> ImportResult:
    """Write the checked rows in one transaction with one block of reference serials.

    Rows go in as multi-row statements, a chunk at a time, and never enter the ORM
    session, so the time per row stays the same however long the file is.
    """
    now = utcnow()
    today = local_today()
    block = references.reserve(now.astimezone(local_zone()).year, total)
    connection = db.session.connection()
    ids: list[int] = []
    while chunk := list(islice(rows, CHUNK)):
        first = block.first + len(ids)
        connection.execute(sa.insert(Dispute.__table__), [
            _dispute(row, block.year, serial, block.reference(serial), actor, now, today)
            for serial, row in enumerate(chunk, start=first)])
        serials = dict(connection.execute(
            sa.select(Dispute.serial, Dispute.id)
            .where(Dispute.year == block.year,
                   Dispute.serial.between(first, first + len(chunk) - 1))).all())
        chunk_ids = [serials[serial] for serial in range(first, first + len(chunk))]
        connection.execute(sa.insert(Party.__table__), [
            {**party, "dispute_id": ident}
            for ident, row in zip(chunk_ids, chunk, strict=True) for party in row.parties])
        connection.execute(sa.insert(DisputeEvent.__table__), [
            {"dispute_id": ident, "actor_id": actor.id, "action": "imported",
             "from_status": None, "to_status": Status.REPORTED, "note": "", "at": now,
             "data": {"external_ref": row.external_ref, "channel": row.channel}}
            for ident, row in zip(chunk_ids, chunk, strict=True)])
        search.insert(connection, [
            {"dispute_id": ident, **search.document(
                row.title, block.reference(serial), row.external_ref, row.description,
                [party["name"] for party in row.parties])}
            for serial, ident, row in zip(range(first, first + len(chunk)), chunk_ids, chunk,
                                          strict=True)])
        upkeep.disputes_added(connection, chunk_ids)
        record_many([
            Entry("dispute.imported", "Dispute", str(ident), summary=row.title[:500],
                  changes={"reference": block.reference(serial),
                           "external_ref": row.external_ref})
            for serial, ident, row in zip(range(first, first + len(chunk)), chunk_ids, chunk,
                                          strict=True)], actor=actor)
        ids += chunk_ids
    first_reference, last_reference = block.reference(block.first), block.reference(block.last)
    record_many([Entry("disputes.imported", summary=f"{first_reference} – {last_reference}",
                       changes={"count": total})], actor=actor)
    cache.bump(db.session)
    db.session.flush()
    return ImportResult(ids, first_reference, last_reference)


def _dispute(row: _Row, year: int, serial: int, reference: str, actor: User, now,
             today: date) -> dict:
    return {
        "reference": reference, "year": year, "serial": serial, "title": row.title,
        "category": row.category, "tier": row.tier, "status": Status.REPORTED,
        "village_id": row.village_id, "source": Source.CITY_PLATFORM, "risk": row.risk,
        "description": row.description, "claims": row.claims, "amount": row.amount,
        "occurred_on": row.occurred_on,
        "due_on": today + timedelta(days=DEFAULT_DAYS[row.tier]),
        "reporter_id": actor.id, "external_ref": row.external_ref, "reported_at": now,
        "updated_at": now,
    }
