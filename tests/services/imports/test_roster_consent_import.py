"""知情同意 through the roster template: four columns that go together, checked like any cell."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.vocab import ConsentBasis, ConsentPurpose, OrgKind
from db.models import Child, Consent
from services.access.permissions import Actor
from services.imports import run_import
from tests.factories import make_org

ADMIN = Actor.system()
HEADER = ["姓名", "性别", "出生日期", "儿童类别", "乡镇(街道)", "村(社区)",
          "知情同意依据", "同意人", "同意日期", "同意用途"]
PLACE = ["石门镇", "李家村"]


def _import(session, rows: list[list[str]], *, dry_run: bool = False):
    data = "\n".join(",".join(r) for r in [HEADER, *rows]).encode("utf-8-sig")
    return run_import(session, actor=ADMIN, kind="roster", data=data, filename="名单.csv",
                      dry_run=dry_run)


@pytest.fixture(autouse=True)
def _county(session):
    make_org(session, "青溪县", OrgKind.county)


def _consents(session) -> list[tuple[str, ConsentPurpose, ConsentBasis, str, date]]:
    return sorted(session.execute(
        select(Child.name, Consent.purpose, Consent.basis, Consent.given_by, Consent.given_on)
        .join(Child, Child.id == Consent.child_id).where(Consent.withdrawn_on.is_(None))).all())


def test_new_and_existing_children_get_their_consent(session):
    first = _import(session, [
        ["林小雨", "女", "2015-03-02", "留守儿童", *PLACE, "监护人同意", "林奶奶", "2026-09-01",
         "档案管理、活动照片"],
        ["王小明", "男", "2014-05-01", "留守儿童", *PLACE, "", "", "", ""]])
    assert first.ok, first.errors
    assert _consents(session) == [
        ("林小雨", ConsentPurpose.photos, ConsentBasis.guardian_consent, "林奶奶",
         date(2026, 9, 1)),
        ("林小雨", ConsentPurpose.records, ConsentBasis.guardian_consent, "林奶奶",
         date(2026, 9, 1))]

    again = _import(session, [
        ["王小明", "男", "2014-05-01", "留守儿童", *PLACE, "法定职责", "石门镇民政办",
         "2026-10-08", "档案管理"]])
    assert again.ok, again.errors
    assert ("王小明", ConsentPurpose.records, ConsentBasis.statutory_duty, "石门镇民政办",
            date(2026, 10, 8)) in _consents(session)


@pytest.mark.parametrize(("cells", "column", "why"), [
    (["监护人同意", "", "2026-09-01", "档案管理"], "同意人", ""),
    (["口头同意", "林奶奶", "2026-09-01", "档案管理"], "知情同意依据", "无法识别"),
    (["监护人同意", "林奶奶", "2099-01-01", "档案管理"], "同意日期", ""),
    (["监护人同意", "林奶奶", "2026-09-01", "拍视频"], "同意用途", "无法识别"),
    (["", "", "", "档案管理"], "知情同意依据", ""),
])
def test_a_bad_consent_cell_refuses_the_file_with_row_and_column(session, cells, column, why):
    report = _import(session, [
        ["王小明", "男", "2014-05-01", "留守儿童", *PLACE, "", "", "", ""],
        ["林小雨", "女", "2015-03-02", "留守儿童", *PLACE, *cells]])
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors][:1] == [(3, column)]
    assert why in report.errors[0].reason
    assert session.scalar(select(func.count()).select_from(Child)) == 0
    assert session.scalar(select(func.count()).select_from(Consent)) == 0


def test_a_dry_run_records_no_consent(session):
    report = _import(session, [["林小雨", "女", "2015-03-02", "留守儿童", *PLACE, "监护人同意",
                                "林奶奶", "2026-09-01", "档案管理"]], dry_run=True)
    assert report.ok
    assert session.scalar(select(func.count()).select_from(Consent)) == 0
