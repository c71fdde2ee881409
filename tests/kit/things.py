"""A table of things and its column map, for the listing tests that need no database."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, MetaData, String, Table, exists

from ledgerline.kit.criteria import ColumnMap, amount, choice, day, flag, ident, number, text
from ledgerline.models.base import UTCDateTime


class Colour(str, enum.Enum):
    RED = "RED"
    GREEN = "GREEN"


metadata = MetaData()
things = Table(
    "things", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50)),
    Column("active", Boolean),
    Column("created_at", DateTime(timezone=True)),
    Column("amount_minor", BigInteger),
    Column("currency", String(3)),
    Column("colour", String(10)),
    Column("updated_at", UTCDateTime()),
    Column("score", Integer),
    Column("owner_id", Integer),
)
tags = Table("tags", metadata, Column("thing_id", Integer), Column("label", String(20)))

COLUMNS = ColumnMap({
    "id": ident(things.c.id),
    "name": text(things.c.name),
    "active": flag(things.c.active),
    "created_at": day(things.c.created_at),
    "updated_at": day(things.c.updated_at),
    "amount": amount(things.c.amount_minor, things.c.currency),
    "total": amount(things.c.amount_minor, things.c.currency, currency_first=True),
    "colour": choice(things.c.colour, Colour),
    "score": number(things.c.score, nulls_last=True),
    "owner_id": ident(things.c.owner_id),
    "tag": text(tags.c.label, within=lambda test: exists().where(tags.c.thing_id == things.c.id, test)),
}, tiebreak=things.c.id)
