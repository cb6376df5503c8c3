"""知情同意: recorded per purpose with its basis, renewed, withdrawn at once, refused whole on bad
input, scoped like the record; the roster and the dashboard find the children missing it."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from core.vocab import ConsentBasis, ConsentPurpose, Role
from db.models import AuditEvent, Child, Consent
from services.access.users import actor_for
from services.privacy import consent
from services.privacy.consent import (
    FORM_MAX_BYTES,
    ConsentInput,
    consents_of,
    record_consent,
    withdraw_consent,
)
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import filtered_child_ids
from services.stats.figures import StatsScope, compute
from tests.factories import make_child, make_town_with_village, make_user
from tests.pairing_factories import ADMIN

TODAY = date(2026, 11, 28)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _input(*purposes: ConsentPurpose, basis: ConsentBasis = ConsentBasis.guardian_consent,
           given_by: str = "张奶奶", given_on: date = date(2026, 9, 1)) -> ConsentInput:
    return ConsentInput(basis=basis, purposes=frozenset(purposes), given_by=given_by,
                        given_on=given_on)


def _consents(session: Session) -> list[tuple[ConsentPurpose, date | None]]:
    return [(c.purpose, c.withdrawn_on) for c in session.scalars(
        select(Consent).order_by(Consent.id))]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_each_purpose_is_recorded_with_its_basis_and_audited(session):
    child = make_child(session)
    saved = record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                           data=_input(ConsentPurpose.photos, ConsentPurpose.records))
    assert [(c.purpose, c.basis, c.given_by) for c in saved] == [
        (ConsentPurpose.records, ConsentBasis.guardian_consent, "张奶奶"),
        (ConsentPurpose.photos, ConsentBasis.guardian_consent, "张奶奶")]
    summaries = session.scalars(select(AuditEvent.summary).where(
        AuditEvent.entity == "consent")).all()
    assert sorted(summaries) == sorted([f"登记{child.name}的知情同意：档案管理",
                                        f"登记{child.name}的知情同意：活动照片"])


def test_recording_a_purpose_again_renews_it_in_place(session):
    child = make_child(session)
    record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                   data=_input(ConsentPurpose.records))
    record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                   data=_input(ConsentPurpose.records, basis=ConsentBasis.statutory_duty,
                               given_by="石门镇民政办", given_on=TODAY))
    [current] = consents_of(session, ADMIN, child.id)
    assert (current.basis, current.given_by, current.given_on) == (
        ConsentBasis.statutory_duty, "石门镇民政办", TODAY)


def test_a_withdrawal_takes_effect_today_and_keeps_the_history(session):
    child = make_child(session)
    record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                   data=_input(ConsentPurpose.records, ConsentPurpose.publicity))
    withdraw_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                     purposes=[ConsentPurpose.publicity], note="家长不同意宣传")
    assert _consents(session) == [(ConsentPurpose.records, None),
                                  (ConsentPurpose.publicity, TODAY)]
    # Consent given again later is a new row; the withdrawn one stays as it was.
    record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                   data=_input(ConsentPurpose.publicity, given_on=TODAY))
    assert [c.withdrawn_on for c in consents_of(session, ADMIN, child.id)] == [None, None, TODAY]
    with pytest.raises(DomainError, match="无需撤回"):
        withdraw_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                         purposes=[ConsentPurpose.pairing])


@pytest.mark.parametrize(("data", "field"), [
    (_input(), "同意用途"),
    (_input(ConsentPurpose.records, given_by="  "), "同意人或依职责登记的单位"),
    (_input(ConsentPurpose.records, given_by="张<b>奶奶</b>"), "同意人或依职责登记的单位"),
    (_input(ConsentPurpose.records, given_by="张" * 51), "同意人或依职责登记的单位"),
    (_input(ConsentPurpose.records, given_on=date(2026, 11, 29)), "日期"),
    (_input(ConsentPurpose.records, given_on=date(1999, 12, 31)), "日期"),
    (_input(ConsentPurpose.records, ConsentPurpose.photos, basis=ConsentBasis.statutory_duty),
     "同意用途"),
    (_input(ConsentPurpose.publicity, basis=ConsentBasis.statutory_duty), "同意用途"),
])
def test_bad_input_is_refused_whole_with_the_field_named(session, data_dir, data, field):
    child = make_child(session)
    with pytest.raises(ValidationFailed) as refused:
        record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY, data=data,
                       form=("同意书.pdf", PDF), data_dir=data_dir)
    assert field in refused.value.problems
    assert _consents(session) == [] and _files(data_dir) == []


def test_a_scanned_form_is_stored_and_a_fake_or_huge_one_refused(session, data_dir):
    child = make_child(session)
    [saved] = record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                             data=_input(ConsentPurpose.records), form=("同意书.pdf", PDF),
                             data_dir=data_dir)
    assert saved.form_path is not None and saved.form_path.startswith("consent_forms/2026/11/")
    assert (data_dir / saved.form_path).read_bytes() == PDF
    png = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(png, "PNG")
    [renewed] = record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                               data=_input(ConsentPurpose.records),
                               form=("扫描.png", png.getvalue()), data_dir=data_dir)
    assert renewed.form_path is not None and renewed.form_path.endswith(".png")
    session.commit()  # the scan it replaces goes with the commit
    assert _files(data_dir) == [data_dir / renewed.form_path]
    before = _files(data_dir)
    for name, data, words in (("假.pdf", b"MZ\x90\x00 not a pdf", "不是 PDF、JPG 或 PNG"),
                              ("残.pdf", b"%PDF-1.4 cut short", "不是完整的 PDF"),
                              ("大.pdf", b"%PDF-" + b"0" * FORM_MAX_BYTES + b"%%EOF", "超过")):
        with pytest.raises(DomainError, match=words):
            record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                           data=_input(ConsentPurpose.photos), form=(name, data),
                           data_dir=data_dir)
    assert _files(data_dir) == before
    assert [c.purpose for c in consents_of(session, ADMIN, child.id)] == [ConsentPurpose.records]


def test_a_scan_still_backing_another_purpose_stays(session, data_dir):
    child = make_child(session)
    record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY, data_dir=data_dir,
                   data=_input(ConsentPurpose.records, ConsentPurpose.pairing),
                   form=("同意书.pdf", PDF))
    record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY, data_dir=data_dir,
                   data=_input(ConsentPurpose.records), form=("新同意书.pdf", PDF))
    session.commit()
    assert {c.form_path for c in consents_of(session, ADMIN, child.id)} == {
        str(path.relative_to(data_dir)) for path in _files(data_dir)}
    assert len(_files(data_dir)) == 2


def test_consent_is_scoped_like_the_record(session):
    town, village = make_town_with_village(session)
    _, far_village = make_town_with_village(session, "白沙镇", "张家村")
    near = make_child(session, village=village)
    far = make_child(session, village=far_village, name="外镇儿童")
    coordinator = actor_for(session, make_user(session, "coord", Role.coordinator, org_unit=town))
    record_consent(session, actor=coordinator, child_id=near.id, today=TODAY,
                   data=_input(ConsentPurpose.records))
    with pytest.raises(NotFound) as outside:
        record_consent(session, actor=coordinator, child_id=far.id, today=TODAY,
                       data=_input(ConsentPurpose.records))
    with pytest.raises(NotFound) as missing:
        withdraw_consent(session, actor=coordinator, child_id=999_999, today=TODAY,
                         purposes=[ConsentPurpose.records])
    assert outside.value.text() == missing.value.text()
    viewer = actor_for(session, make_user(session, "viewer", Role.viewer))
    with pytest.raises(PermissionDenied):
        record_consent(session, actor=viewer, child_id=near.id, today=TODAY,
                       data=_input(ConsentPurpose.records))
    assert session.scalar(select(func.count()).select_from(Consent)) == 1


def test_the_roster_filter_and_the_dashboard_count_children_missing_consent(session):
    _, village = make_town_with_village(session)
    with_records = make_child(session, village=village, name="甲")
    photos_only = make_child(session, village=village, name="乙")
    withdrawn = make_child(session, village=village, name="丙")
    nothing = make_child(session, village=village, name="丁")
    record_consent(session, actor=ADMIN, child_id=with_records.id, today=TODAY,
                   data=_input(ConsentPurpose.records))
    record_consent(session, actor=ADMIN, child_id=photos_only.id, today=TODAY,
                   data=_input(ConsentPurpose.photos))
    record_consent(session, actor=ADMIN, child_id=withdrawn.id, today=TODAY,
                   data=_input(ConsentPurpose.records))
    withdraw_consent(session, actor=ADMIN, child_id=withdrawn.id, today=TODAY,
                     purposes=[ConsentPurpose.records])
    missing = set(session.scalars(filtered_child_ids(
        ADMIN, RosterFilter(consent_missing=True), today=TODAY)))
    assert missing == {photos_only.id, withdrawn.id, nothing.id}
    stats = compute(session, ADMIN, StatsScope(date(2026, 9, 1), TODAY), today=TODAY)
    assert stats.children.consent_missing == 3
    assert RosterFilter.from_query_params(
        RosterFilter(consent_missing=True).to_query_params()).consent_missing
    assert session.get(Child, nothing.id) is not None


def test_a_scan_is_read_back_only_within_scope_and_its_download_audited(session, data_dir):
    town, village = make_town_with_village(session, "石门镇", "李家村")
    far_town, far_village = make_town_with_village(session, "白沙镇", "张家村")
    child = make_child(session, village=village)
    other = make_child(session, village=far_village, name="外镇儿童")
    [saved] = record_consent(session, actor=ADMIN, child_id=child.id, today=TODAY,
                             data=_input(ConsentPurpose.records), form=("同意书.pdf", PDF),
                             data_dir=data_dir)
    assert saved.form_path is not None
    assert consent.read_form(session, ADMIN, child.id, saved.form_path,
                             data_dir=data_dir) == PDF
    coordinator = actor_for(session, make_user(session, "coord", Role.coordinator, org_unit=town))
    far = actor_for(session, make_user(session, "far", Role.coordinator, org_unit=far_town))
    with pytest.raises(NotFound) as outside:
        consent.read_form(session, far, child.id, saved.form_path, data_dir=data_dir)
    with pytest.raises(NotFound) as missing:
        consent.read_form(session, far, 999_999, saved.form_path, data_dir=data_dir)
    assert outside.value.text() == missing.value.text()  # outside scope reads as no such child
    with pytest.raises(NotFound, match="知情同意书扫描件"):  # not this child's scan
        consent.read_form(session, ADMIN, other.id, saved.form_path, data_dir=data_dir)
    consent.record_form_seen(session, coordinator, child.id, saved.form_path)
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "view_form"))
    assert event.username == "coord" and event.after == {
        "child_id": child.id, "file": saved.form_path.rsplit("/", 1)[-1]}
