"""The exports hub: every list with chosen columns in both formats, masking, audit, refusals."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

import openpyxl
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.errors import DomainError, PermissionDenied
from core.i18n import catalogue
from core.vocab import OrgKind, Relation, Role
from db.models import AuditEvent, Relative
from sample_data import seed_database
from services.access.permissions import Actor
from services.exports.export_kinds import (
    FILTERS,
    HUB_ORDER,
    ExportFile,
    export_list,
    filters_of,
    hub_lists,
    list_exports,
)
from services.exports.tables import ExportColumn, ExportOptions, export_bytes
from tests.factories import make_child, make_org

TODAY = date(2026, 11, 28)
ADMIN = Actor.system()
BOM = b"\xef\xbb\xbf"
ID_NUMBER = "11010120150301001X"
LANDLINE = "07551234567"  # a leading zero a number cell would lose
NOT_AUDITED = {"survey_results"}  # counts only: no child is named, nothing to mask


def _audits(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export_sensitive")) or 0


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


@pytest.fixture
def seeded(engine: Engine) -> Iterator[Session]:
    """The school-scale sample data: something in every list."""
    seed_database(engine, scale="school", today=TODAY)
    with Session(engine) as session:
        yield session


@pytest.fixture
def roster(session: Session) -> Session:
    town = make_org(session, "石门镇", OrgKind.town)
    village = make_org(session, "李家村", OrgKind.village, parent=town)
    child = make_child(session, village=village, name="张小明", id_number=ID_NUMBER)
    session.add(Relative(child=child, relation=Relation.guardian, name="张奶奶", phone=LANDLINE))
    session.flush()
    return session


def test_every_export_parameter_is_a_described_filter():
    for kind, spec in list_exports().items():
        assert filters_of(spec.export) is not None, kind
    used = {f.name for h in hub_lists().values() for f in h.filters}
    assert used == set(FILTERS)


def test_the_hub_offers_the_roster_and_every_cli_list_in_order():
    assert list(hub_lists()) == [k for k in HUB_ORDER if k in {"roster", *list_exports()}]
    assert set(hub_lists()) == {"roster", *list_exports()}


def test_every_list_exports_chosen_columns_in_both_formats(seeded):
    for kind, chosen in hub_lists().items():
        keys = [c.key for c in chosen.columns][::2] or None  # every other column
        headers = [c.header for c in chosen.columns][::2]
        built: dict[str, ExportFile] = {
            fmt: export_list(seeded, actor=ADMIN, kind=kind, fmt=fmt, today=TODAY, columns=keys)
            for fmt in ("csv", "xlsx")}
        rows = _csv_rows(built["csv"].data)
        if keys:
            assert rows[0] == headers, kind
        assert len(rows) - 1 == built["csv"].rows == built["xlsx"].rows, kind
        assert built["xlsx"].filename == f"{chosen.title}_{TODAY}.xlsx"
        sheet = _sheet(built["xlsx"].data)
        assert sheet.title == chosen.title[:31], kind
        assert sheet.freeze_panes == "A2", kind
        assert sheet.auto_filter.ref, kind
        assert [c.value for c in sheet[1]] == rows[0], kind
        assert sheet.max_row == len(rows), kind
    assert built["csv"].rows > 0  # the seed has answers for the last list too


def test_every_sensitive_export_from_the_hub_is_audited_exactly_once(seeded):
    for kind in hub_lists():
        before = _audits(seeded)
        export_list(seeded, actor=ADMIN, kind=kind, fmt="csv", today=TODAY,
                    include_sensitive=True)
        seeded.flush()
        assert _audits(seeded) - before == (0 if kind in NOT_AUDITED else 1), kind


@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_a_helper_or_a_viewer_is_refused_every_list(roster, role):
    actor = Actor(user_id=None, username=role.value, role=role)
    for kind in hub_lists():
        with pytest.raises(PermissionDenied):
            export_list(roster, actor=actor, kind=kind, fmt="xlsx", today=TODAY)


def test_xlsx_keeps_id_numbers_and_phones_as_text_with_leading_zeros(roster):
    built = export_list(roster, actor=ADMIN, kind="roster", fmt="xlsx", today=TODAY,
                        include_sensitive=True, columns=["name", "id_number", "guardian_phone"])
    sheet = _sheet(built.data)
    assert [c.value for c in sheet[1]] == ["姓名", "身份证号", "监护人电话"]
    _, id_number, phone = sheet[2]
    assert (id_number.value, phone.value) == (ID_NUMBER, LANDLINE)
    assert id_number.data_type == phone.data_type == "s"


def test_names_are_masked_unless_sensitive_is_asked_for(roster):
    keys = ["name", "id_number", "guardian_phone"]
    masked = export_list(roster, actor=ADMIN, kind="roster", fmt="csv", today=TODAY,
                         columns=keys)
    assert _csv_rows(masked.data)[1] == ["张*明", "110101********001X", "*******4567"]
    assert _audits(roster) == 0
    full = export_list(roster, actor=ADMIN, kind="roster", fmt="xlsx", today=TODAY,
                       columns=keys, include_sensitive=True)
    assert [c.value for c in _sheet(full.data)[2]] == ["张小明", ID_NUMBER, LANDLINE]
    roster.flush()
    assert _audits(roster) == 1


def test_a_coordinator_may_ask_for_sensitive_data(roster):
    coordinator = Actor(user_id=None, username="coord", role=Role.coordinator)
    built = export_list(roster, actor=coordinator, kind="roster", fmt="csv", today=TODAY,
                        include_sensitive=True, columns=["name"])
    assert _csv_rows(built.data)[1] == ["张小明"]


def test_chosen_columns_keep_the_lists_order(roster):
    built = export_list(roster, actor=ADMIN, kind="roster", fmt="csv", today=TODAY,
                        columns=["guardian_phone", "name"])
    assert _csv_rows(built.data)[0] == ["姓名", "监护人电话"]


def test_no_column_chosen_is_refused(roster):
    with pytest.raises(DomainError, match="至少选择一列"):
        export_list(roster, actor=ADMIN, kind="roster", fmt="csv", today=TODAY, columns=[])


def test_an_org_unit_filter_narrows_the_roster(roster):
    other = make_org(roster, "东乡", OrgKind.town)
    built = export_list(roster, actor=ADMIN, kind="roster", fmt="csv", today=TODAY,
                        filters={"org_unit_id": other.id})
    assert (built.rows, len(_csv_rows(built.data))) == (0, 1)


@pytest.mark.parametrize(("filters", "message"), [
    ({"period": (date(2026, 12, 1), date(2026, 9, 1))}, "开始日期不能晚于结束日期"),
    ({"drive_id": 1}, "不能按"),
], ids=["period-backwards", "unknown-filter"])
def test_bad_filters_are_refused_in_chinese(roster, filters, message):
    with pytest.raises(DomainError, match=message):
        export_list(roster, actor=ADMIN, kind="contacts", fmt="csv", today=TODAY,
                    filters=filters)


def test_an_unknown_list_is_refused(roster):
    with pytest.raises(DomainError, match="没有名为"):
        export_list(roster, actor=ADMIN, kind="nothing", fmt="csv", today=TODAY)


def test_progress_is_reported_from_reading_to_the_last_row():
    calls: list[tuple[int, int | None]] = []
    rows = [{"n": str(i)} for i in range(4500)]
    options = ExportOptions(progress=lambda done, total: calls.append((done, total)))
    export_bytes("xlsx", rows, (ExportColumn("n", "序号"),), include_sensitive=False,
                 options=options)
    assert calls[0] == (0, None)
    assert calls[-1] == (4500, 4500)
    assert (2000, 4500) in calls
    assert options.rows == 4500


def test_options_name_the_sheet_and_apply_only_inside_their_block():
    columns = (ExportColumn("a", "甲"), ExportColumn("b", "乙"))
    inside = export_bytes("xlsx", [{"a": 1, "b": 2}], columns, include_sensitive=False,
                          options=ExportOptions(columns=["b"], sheet_name="结对名单"))
    outside = export_bytes("xlsx", [{"a": 1, "b": 2}], columns, include_sensitive=False)
    assert (_sheet(inside).title, [c.value for c in _sheet(inside)[1]]) == ("结对名单", ["乙"])
    assert (_sheet(outside).title, _sheet(outside).max_column) == ("名单", 2)


def test_every_list_and_filter_has_its_label_in_the_catalogue_in_chinese_as_the_service_says():
    zh, en = catalogue("zh"), catalogue("en")
    for kind, chosen in hub_lists().items():
        key = f"export_lists.list.{kind}"
        assert zh[key] == chosen.title, kind  # the file keeps the same Chinese title
        assert key in en, kind
    for name, spec in FILTERS.items():
        assert zh[f"export_lists.filter.{name}"] == spec.label, name
        if spec.none_label:
            assert zh[f"export_lists.filter_all.{name}"] == spec.none_label, name


def test_choices_are_labelled_in_the_language_asked_for(seeded):
    for name in ("category", "survey_id", "campaign_id"):
        choices = FILTERS[name].choices
        assert choices is not None
        chinese = choices(seeded, ADMIN, TODAY, "zh")
        english = choices(seeded, ADMIN, TODAY, "en")
        assert [v for v, _ in chinese] == [v for v, _ in english], name
        assert chinese != english or not chinese, name
    categories = dict(FILTERS["category"].choices(seeded, ADMIN, TODAY, "en"))
    assert all(not re.search(r"[\u4e00-\u9fff]", label) for label in categories.values())
