"""One row per day the State Council's notice declares a holiday or a make-up working day."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class HolidayEntry(db.Model):
    """A day the station entered: a statutory holiday (``working`` false, with its name) or a
    weekend day declared a working day to make up for one (``working`` true)."""

    __tablename__ = "holiday_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    working: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(sa.String(40), default="")
