"""Everything a service's answer would let its caller read, as one string to search."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import ClauseElement

_SCALARS = (int, float, Decimal, date, datetime, bool, type(None), Enum)


def _from_bytes(data: bytes) -> str:
    """CSV and Markdown as text; a ZIP container (xlsx, docx, pptx) as its XML parts."""
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                     if n.endswith(".xml")]
        # Shared strings and slide text are XML-escaped but CJK and digits pass through.
        return re.sub(r"<[^>]+>", " ", " ".join(parts))
    text = data.decode("utf-8-sig", "replace")
    try:
        return " ".join(" ".join(row) for row in csv.reader(io.StringIO(text)))
    except csv.Error:
        return text


def _orm(obj: DeclarativeBase) -> list[object]:
    """Column values and the relationships already loaded (what the caller holds)."""
    state = sa_inspect(obj)
    found: list[object] = []
    for attr in state.mapper.column_attrs:
        found.append(getattr(obj, attr.key))
    for rel in state.mapper.relationships:
        if rel.key not in state.unloaded:
            found.append(getattr(obj, rel.key))
    return found


def _children(obj: object) -> Iterable[object]:
    if isinstance(obj, Mapping):
        return [*obj.keys(), *obj.values()]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    if isinstance(obj, DeclarativeBase):
        return _orm(obj)
    if isinstance(obj, Iterable):
        return list(obj)
    if hasattr(obj, "__dict__"):
        return list(vars(obj).values())
    return [repr(obj)]


def revealed(obj: object) -> str:
    """All text reachable from the answer: strings, file contents, nested records."""
    out: list[str] = []
    seen: set[int] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, bytes | bytearray):
            out.append(_from_bytes(bytes(item)))
        elif isinstance(item, _SCALARS):
            out.append(str(item))
        elif isinstance(item, ClauseElement):
            raise TypeError("a query is not an answer: execute it first")
        elif id(item) not in seen:
            seen.add(id(item))
            stack.extend(_children(item))
    return "\n".join(out)
