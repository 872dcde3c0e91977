"""The counters behind R25 record numbers."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class RecordCounter(db.Model):
    """R25: the last sequence number issued per department prefix and year.

    One row per (prefix, year), incremented with a single atomic upsert, so two requests
    filed at the same instant on different workers never share a number.
    """

    __tablename__ = "record_counter"

    #: issuing department's abbreviation, e.g. ZBKF (总部客服, head-office service)
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<RecordCounter {self.prefix}-{self.year}={self.value}>"
