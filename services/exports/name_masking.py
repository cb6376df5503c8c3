"""Masks for personal data in exports: names, phones, ID numbers, addresses, and free text.

A free-text cell (notes, reasons, wishes) is masked with the names of the record's own people:
the child, every relative on the child's record, the helpers, the users who wrote it. The
queries below collect those names for a whole export at once, never per row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, select, union_all
from sqlalchemy.orm import Session

from core.vocab import ProviderKind
from db.models import Child, Helper, Pairing, Relative, ResourceProvider

NAME_SEPARATOR = "、"  # several names in one cell: 李老师、王老师
MIN_NAME = 2  # a single character is too common to look for inside text
# Provider kinds that are organisations: their names are not personal data. 个人 is a person;
# 其他 is the kind a provider gets when nobody said, so it may be a person too.
ORGANISATION_KINDS = frozenset(ProviderKind) - {ProviderKind.individual, ProviderKind.other}


def mask_name(value: str) -> str:
    """Keep the first and last character: 张小明 → 张*明, 李四 → 李*, 欧阳娜娜 → 欧**娜.

    Several names joined by 、 are masked one by one: 李老师、王芳 → 李*师、王*.
    """
    if NAME_SEPARATOR in value:
        return NAME_SEPARATOR.join(mask_name(part) for part in value.split(NAME_SEPARATOR))
    name = value.strip()
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1) if len(name) == 2 else "*" * len(name)
    return name[0] + "*" * (len(name) - 2) + name[-1]


_MOBILE = re.compile(r"(?<!\d)(1\d{2})[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LONG_DIGITS = re.compile(r"\d{7,}")
# An 18-character ID number (the last may be X) standing on its own inside text.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def _mask_digits(text: str) -> str:
    """Mobiles keep their first 3 and last 4 digits, any other run of 7 or more its last 4."""
    masked = _MOBILE.sub(r"\1****\2", text)
    return _LONG_DIGITS.sub(lambda m: "*" * (len(m[0]) - 4) + m[0][-4:], masked)


def mask_phone(value: str) -> str:
    """Hide the middle of every number: 138****5678, 0755-****5678.

    Mobiles keep their first 3 and last 4 digits; any other run of 7 or more digits keeps its
    last 4 (so a landline keeps its area code). A value without such a run is fully masked,
    at most 11 stars long.
    """
    text = value.strip()
    masked = _mask_digits(text)
    if masked == text:
        return "*" * min(len(text), 11)
    return masked


def mask_id_number(value: str) -> str:
    """Keep the region code and the last 4: 110101********0011; a short value is fully masked."""
    number = value.strip()
    if len(number) < 15:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


_VILLAGE = re.compile(r"[^\d０-９]*?(?:村|社区|居委会|嘎查)")
_TOWNSHIP = re.compile(r"[^\d０-９]*?(?:镇|乡|街道)")


def mask_address(value: str) -> str:
    """Keep the place down to the village or community; drop 组, street and house number.

    石门镇李家湾村3组 → 石门镇李家湾村…; 城关街道城东社区人民路12号 → 城关街道城东社区….
    The kept prefix may not contain digits (so a 新村 after a house number is not a village);
    without a village, keep down to the town (镇/乡/街道); without either, keep the first
    6 characters but never more than half. An address no finer than a village is unchanged.
    """
    text = value.strip()
    match = _VILLAGE.match(text) or _TOWNSHIP.match(text)
    keep = len(match[0]) if match else min(6, len(text) // 2)
    return text if keep >= len(text) else text[:keep] + "…"


def mask_names_in(text: str, names: Iterable[str]) -> str:
    """Mask every one of `names` (of 2 or more characters) found in `text`, longest first.

    与奶奶王秀英和张小明谈心 with (张小明, 王秀英) → 与奶奶王*英和张*明谈心. One pass, trying the
    longest name first, so a name inside another never masks it partly: with 欧阳 and 欧阳娜娜
    known, 欧阳娜娜 becomes 欧**娜, not 欧*娜娜; with 三丰 and 张三丰, 张*丰, not 张三*.
    """
    found = {name for name in map(str.strip, filter(None, names))
             if len(name) >= MIN_NAME and name in text}
    if not found:
        return text
    pattern = "|".join(re.escape(name) for name in sorted(found, key=len, reverse=True))
    return re.sub(pattern, lambda m: mask_name(m[0]), text)


_SEVEN_DIGITS = re.compile(r"\d(?:[- ]?\d){6}")  # the least a phone or an ID number has


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """Free text as a masked export shows it: known names, ID numbers and phones masked."""
    masked = mask_names_in(text, names)
    if _SEVEN_DIGITS.search(masked) is None:  # most notes: skip the three substitutions
        return masked
    masked = _ID_NUMBER.sub(lambda m: mask_id_number(m[0]), masked)
    return _mask_digits(masked)


# ---- the people a record names ---------------------------------------------------------------

def people_by_child(session: Session, child_ids: Select) -> dict[int, list[str]]:
    """Per child of `child_ids`: their name, every relative's (archived ones too) and every
    helper's they were ever paired with; one query, whatever the number of children."""
    ids = child_ids.scalar_subquery()
    names = union_all(
        select(Child.id, Child.name).where(Child.id.in_(ids)),
        select(Relative.child_id, Relative.name).where(Relative.child_id.in_(ids)),
        select(Pairing.child_id, Helper.name).join(Helper, Helper.id == Pairing.helper_id)
        .where(Pairing.child_id.in_(ids)))
    people: dict[int, list[str]] = defaultdict(list)
    for child_id, name in session.execute(names):
        if name:
            people[child_id].append(name)
    return people


ProviderPeople = dict[str, tuple[str, ...]]


def people_by_provider(session: Session) -> ProviderPeople:
    """Per provider name: the persons it stands for (itself if not an organisation, and its
    contact person); archived providers too, since old records still name them."""
    found: ProviderPeople = {}
    for name, kind, contact in session.execute(select(
            ResourceProvider.name, ResourceProvider.kind, ResourceProvider.contact_person)):
        person = () if kind in ORGANISATION_KINDS else (name,)
        found[name] = person + ((contact,) if contact else ())
    return found


def provider_people(providers: ProviderPeople, names: Sequence[str | None]) -> list[str]:
    """The persons behind these provider names; a name no provider has (a donor written in by
    hand) is taken to be a person's."""
    people: list[str] = []
    for name in names:
        if name:
            people.extend(providers.get(name, (name,)))
    return people
