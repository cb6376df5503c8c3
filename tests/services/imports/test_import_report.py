"""An import's report keeps the first thousand problems and counts them all."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import AuditEvent, OrgUnit
from services.access.permissions import Actor
from services.imports import ERRORS_KEPT, run_import


def test_a_file_with_thousands_of_problems_lists_the_first_thousand_and_counts_all(session):
    rows = "\n".join(f"单位{n},不知道,,否," for n in range(1500))
    data = f"名称,类型,上级,是否山区,在籍学生数\n{rows}\n".encode()
    report = run_import(session, actor=Actor.system(), kind="orgs", data=data,
                        filename="orgs.csv")
    assert (report.ok, report.error_count, len(report.errors)) == (False, 1500, ERRORS_KEPT)
    assert [e.row for e in report.errors[:2]] == [2, 3]
    assert all(e.column == "类型" for e in report.errors)
    assert session.scalar(select(func.count()).select_from(OrgUnit)) == 0
    [audited] = session.scalars(select(AuditEvent.summary))
    assert "1500处问题" in audited
