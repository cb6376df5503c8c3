"""知情同意 as four columns of the roster template: 知情同意依据, 同意人, 同意日期, 同意用途.

A row that fills any of them must fill all four; its consent is recorded (or renewed) for each
purpose once the row's child is saved. The cells are checked while the row is read, so a bad
consent refuses the file before anything is written, like any other cell.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.i18n import Msg
from core.vocab import ConsentBasis, ConsentPurpose
from db.models import Child
from services.access.permissions import Actor
from services.imports.rows import RowReader
from services.privacy.consent import ConsentInput, consent_problems, record_consent

BASIS, GIVEN_BY, GIVEN_ON, PURPOSES = "知情同意依据", "同意人", "同意日期", "同意用途"
CONSENT_COLUMNS = (BASIS, GIVEN_BY, GIVEN_ON, PURPOSES)
# consent_problems names fields by these labels; the file names them by its columns.
FIELD_COLUMNS: dict[str, str] = {Msg("privacy.consent.field.purposes"): PURPOSES,
                 Msg("privacy.consent.field.given_by"): GIVEN_BY,
                 Msg("privacy.consent.field.given_on"): GIVEN_ON}


def read_consent(cells: RowReader, header: list[str], today: date) -> ConsentInput | None:
    """The row's consent, None when its consent cells are blank (or the file has none)."""
    if not any(column in header and cells.text(column) for column in CONSENT_COLUMNS):
        return None
    basis = cells.vocab(BASIS, ConsentBasis, required=True)
    given_by = cells.text(GIVEN_BY, required=True, max_len=50)
    given_on = cells.day(GIVEN_ON, required=True)
    purposes = cells.vocab_list(PURPOSES, ConsentPurpose, required=True)
    if basis is None or given_by is None or given_on is None or not purposes:
        return None  # the missing cell is already a row error
    consent = ConsentInput(basis, frozenset(purposes), given_by, given_on)
    problems = consent_problems(consent, today)
    for field, why in problems.items():
        cells.fail(FIELD_COLUMNS.get(field, GIVEN_BY), why)
    return None if problems else consent


def record_consents(session: Session, actor: Actor, pending: list[tuple[Child, ConsentInput]],
                    today: date) -> None:
    """Record each saved child's consent (after the flush that gave new children their ids)."""
    for child, consent in pending:
        record_consent(session, actor=actor, child_id=child.id, data=consent, today=today)
    pending.clear()
