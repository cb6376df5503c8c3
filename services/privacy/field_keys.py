"""Changing the key 身份证号 are encrypted with (`cli.py rotate-key`).

Every number is decrypted with the old key before anything is written, so a wrong old key
changes nothing; then all are encrypted and hashed again under the new key in one transaction.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from db.field_crypto import FieldKey
from db.models import Child
from services.access import audit
from services.access.permissions import Actor, Capability

CHILDREN = cast(Table, Child.__table__)


def rotate_field_key(session: Session, actor: Actor, old: FieldKey, new: FieldKey) -> int:
    """Re-encrypt every 身份证号 under `new`; the number of records changed."""
    actor.require(Capability.MANAGE_USERS)
    numbers = [(child_id, old.decrypt(token)) for child_id, token in session.execute(
        select(Child.id, Child.id_number_cipher).where(Child.id_number_cipher.is_not(None)))
        if token]
    if numbers:
        # Core executemany: the record itself does not change, so neither does its version.
        session.execute(
            update(CHILDREN).where(CHILDREN.c.id == bindparam("child_id")).values(
                id_number_cipher=bindparam("cipher"), id_number_hash=bindparam("lookup")),
            [{"child_id": child_id, "cipher": new.encrypt(number),
              "lookup": new.lookup_hash(number)} for child_id, number in numbers])
    audit.record(session, actor, "rotate_field_key", "database", None,
                 summary=f"身份证号换用新密钥重新加密，共 {len(numbers)} 条",
                 after={"rows": len(numbers)})
    return len(numbers)
