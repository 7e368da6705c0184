"""Standard addresses (标准地址) per village, their import, and their doorplates."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.audit.services import record
from portal.csvfiles import ImportRejected, RowError, decode
from portal.errors import DomainError
from portal.extensions import db
from portal.jobs import renders
from portal.orgs.models import User, Village
from portal.permissions import ensure
from portal.residents.models import Doorplate, StandardAddress
from portal.timeutil import utcnow

VILLAGE, ROAD, NUMBER, BUILDING, UNIT, ROOM, POLICE_GRID, COMMUNITY_GRID = (
    "村社区", "道路或村组", "门牌号", "楼栋", "单元", "户室", "警格", "网格")
COLUMNS = (VILLAGE, ROAD, NUMBER, BUILDING, UNIT, ROOM, POLICE_GRID, COMMUNITY_GRID)
REQUIRED = (VILLAGE, ROAD, NUMBER)
MAX_LENGTH = {ROAD: 60, NUMBER: 20, BUILDING: 20, UNIT: 20, ROOM: 20, POLICE_GRID: 80,
              COMMUNITY_GRID: 80}


@dataclass
class AddressInput:
    village_id: int
    road: str
    number: str
    building: str = ""
    unit: str = ""
    room: str = ""
    police_grid: str = ""
    community_grid: str = ""


def _place(data: AddressInput) -> tuple:
    return (data.village_id, data.road, data.number, data.building, data.unit, data.room)


def _taken(data: AddressInput, exclude_id: int | None = None) -> bool:
    query = sa.select(StandardAddress.id).where(
        StandardAddress.village_id == data.village_id, StandardAddress.road == data.road,
        StandardAddress.number == data.number, StandardAddress.building == data.building,
        StandardAddress.unit == data.unit, StandardAddress.room == data.room)
    if exclude_id:
        query = query.where(StandardAddress.id != exclude_id)
    return db.session.scalar(query) is not None


def _clean(data: AddressInput) -> AddressInput:
    for name in ("road", "number", "building", "unit", "room", "police_grid",
                 "community_grid"):
        setattr(data, name, (getattr(data, name) or "").strip())
    village = db.session.get(Village, data.village_id)
    if village is None:
        raise DomainError(_("Unknown village or community."), "village_id")
    if not data.road:
        raise DomainError(_("Give the road or village group."), "road")
    if not data.number:
        raise DomainError(_("Give the house number."), "number")
    data.police_grid = data.police_grid or village.police_grid
    data.community_grid = data.community_grid or village.community_grid
    return data


def save_address(actor: User, data: AddressInput,
                 address: StandardAddress | None = None) -> StandardAddress:
    ensure(actor, "residents.manage")
    data = _clean(data)
    if _taken(data, address.id if address else None):
        raise DomainError(_("This address is already on the list."), "number")
    created = address is None
    address = address or StandardAddress()
    changes = {}
    for name, value in vars(data).items():
        if getattr(address, name) != value:
            changes[name] = [getattr(address, name), value]
            setattr(address, name, value)
    db.session.add(address)
    db.session.flush()
    record("address.created" if created else "address.edited", address,
           summary=address.label, changes=changes, actor=actor)
    db.session.flush()
    return address


def import_csv(actor: User, data: bytes) -> list[StandardAddress]:
    """Every address of the file, or none: a refusal lists each bad line."""
    ensure(actor, "residents.manage")
    rows = _read_rows(decode(data))
    villages = {v.name: v for v in db.session.scalars(sa.select(Village))}
    errors, parsed, seen = [], [], set()
    for line, cells in rows:
        before = len(errors)
        for name in REQUIRED:
            if not cells.get(name):
                errors.append(RowError(line, _("“%(column)s” is empty.", column=name)))
        for name, limit in MAX_LENGTH.items():
            if len(cells.get(name, "")) > limit:
                errors.append(RowError(line, _("“%(column)s” is longer than %(max)d "
                                               "characters.", column=name, max=limit)))
        village = villages.get(cells.get(VILLAGE, ""))
        if cells.get(VILLAGE) and village is None:
            errors.append(RowError(line, _("Unknown village or community “%(name)s”.",
                                           name=cells[VILLAGE])))
        if len(errors) > before:
            continue
        entry = AddressInput(village.id, cells[ROAD], cells[NUMBER], cells.get(BUILDING, ""),
                             cells.get(UNIT, ""), cells.get(ROOM, ""),
                             cells.get(POLICE_GRID) or village.police_grid,
                             cells.get(COMMUNITY_GRID) or village.community_grid)
        if _place(entry) in seen:
            errors.append(RowError(line, _("The same address appears twice in the file.")))
        elif _taken(entry):
            errors.append(RowError(line, _("This address is already on the list.")))
        seen.add(_place(entry))
        parsed.append(entry)
    if errors:
        raise ImportRejected(
            _("Nothing was imported: %(problems)d problems in %(rows)d of %(total)d rows.",
              problems=len(errors), rows=len({e.line for e in errors}), total=len(rows)),
            errors)
    addresses = [StandardAddress(**vars(entry)) for entry in parsed]
    db.session.add_all(addresses)
    db.session.flush()
    record("address.imported", summary=_("%(n)d addresses", n=len(addresses)),
           changes={"count": len(addresses)}, actor=actor)
    db.session.flush()
    return addresses


def _read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lstrip("\ufeff") for cell in next(reader)]
        missing = [name for name in REQUIRED if name not in header]
        unknown = [name for name in header if name not in COLUMNS]
        if missing or unknown:
            raise ImportRejected(_(
                "The header row must name the columns %(columns)s; missing: %(missing)s; "
                "unknown: %(unknown)s.", columns="、".join(COLUMNS),
                missing="、".join(missing) or "—", unknown="、".join(unknown) or "—"))
        rows, errors = [], []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) != len(header):
                    errors.append(RowError(line, _(
                        "The row has %(found)d cells but the header row has %(expected)d.",
                        found=len(cells), expected=len(header))))
                else:
                    rows.append((line, dict(zip(header, (c.strip() for c in cells),
                                                strict=True))))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportRejected(_("The file is not valid CSV: %(reason)s", reason=error)) from None
    if errors:
        raise ImportRejected(_("Nothing was imported: the file is not well-formed CSV."),
                             errors)
    if not rows:
        raise ImportRejected(_("The file has a header row but no addresses."))
    return rows


# --- doorplates ----------------------------------------------------------------------------

def new_token() -> str:
    return secrets.token_urlsafe(24)


def issue_plates(actor: User, village: Village, reprint: list[int] = ()) -> list[Doorplate]:
    """Give every address of the village without a plate one, and a new one (revoking the
    old: a lost plate stops working) to the addresses in `reprint`. Returns the village's
    current plates, in address order."""
    ensure(actor, "residents.manage")
    now = utcnow()
    addresses = db.session.scalars(sa.select(StandardAddress).where(
        StandardAddress.village_id == village.id).order_by(StandardAddress.id)).all()
    issued, revoked = 0, 0
    for address in addresses:
        current = address.plate
        if current is not None and address.id in reprint:
            current.revoked_at = now
            revoked += 1
            current = None
        if current is None:
            plate = Doorplate(address=address, token=new_token(), issued_at=now)
            db.session.add(plate)
            issued += 1
    db.session.flush()
    if issued or revoked:
        record("doorplate.issued", village, summary=village.name,
               changes={"issued": issued, "revoked": revoked}, actor=actor)
    db.session.flush()
    return [a.plate for a in addresses]


def plate_url(plate: Doorplate) -> str:
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return f"{base}/d/{plate.token}"  # also built by jobs, outside any request


def doorplate_sheet(village: Village) -> list:
    """The village's current plates, as the printed sheets show them."""
    from reports.doorplates import Plate

    addresses = db.session.scalars(sa.select(StandardAddress).where(
        StandardAddress.village_id == village.id).order_by(StandardAddress.id)).all()
    plates = [Plate(a.plate.number, village.name, a.label, plate_url(a.plate))
              for a in addresses if a.plate is not None]
    if not plates:
        raise DomainError(_("This village has no doorplates yet."))
    return plates


def sheet_key(village: Village, plates: list) -> str:
    digest = hashlib.sha256(repr(plates).encode()).hexdigest()
    return f"doorplates:{village.id}:{digest}"


@renders.builder("doorplates")
def _doorplates(village: int):
    from reports.doorplates import doorplates_pdf as render

    plates = doorplate_sheet(db.session.get(Village, village))
    issuer = current_app.config["PORTAL_MINUTES_ISSUER"]
    # About a fifth of a second a plate on one core: a large village needs more than the
    # renderer's default deadline.
    return lambda: render(issuer, plates, timeout=60 + len(plates))


def find_plate(token: str) -> Doorplate | None:
    if not token or len(token) > 43:
        return None
    plate = db.session.scalar(sa.select(Doorplate).where(Doorplate.token == token))
    return plate if plate is not None and plate.revoked_at is None else None
