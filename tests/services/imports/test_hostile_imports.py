"""A hostile corpus through every import kind: refused whole with row and column, or taken as meant.

Each file is refused with a message that names what is wrong (and the row and column where there
is one) and leaves every table as it was (a refused file may only add its own audit note), or
it is accepted and the stored values are exactly what the file meant.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import local_today
from core.errors import DomainError
from core.vocab import OrgKind
from db.models import (
    Activity,
    AuditEvent,
    Base,
    CareContact,
    Child,
    Donation,
    Helper,
    OrgUnit,
    Pairing,
    Relative,
    SurveyAnswer,
)
from services.imports import run_import
from services.imports.surveys import import_answers
from services.resources.surveys import QuestionInput, SurveyInput, create_survey
from tests.factories import make_helper
from tests.pairing_factories import ADMIN, make_child_in, make_places
from tests.services import hostile_corpus as hc

DAY = (local_today() - timedelta(days=5)).isoformat()
HEADERS = {
    "orgs": ["名称", "类型", "上级", "是否山区", "在籍学生数"],
    "roster": ["姓名", "性别", "出生日期", "儿童类别", "乡镇(街道)", "村(社区)", "年级",
               "身份证号", "监护人姓名", "监护人电话", "备注"],
    "helpers": ["姓名", "类型", "单位", "电话", "可结对人数"],
    "pairings": ["儿童姓名", "儿童出生日期", "帮扶人姓名", "开始日期"],
    "contacts": ["儿童姓名", "儿童出生日期", "帮扶人姓名", "方式", "日期", "时长(分钟)", "记录"],
    "activities": ["名称", "类型", "日期", "地点", "场次", "人次", "参加儿童", "捐助金额(元)",
                   "备注"],
    "survey_answers": ["儿童姓名", "儿童出生日期", "你有心里话最想对谁说?"],
}
# One good row per kind; a case changes one cell of it.
GOOD = {
    "orgs": ["希望小学", "学校", "石门镇", "否", "300"],
    "roster": ["王小红", "女", "2014-05-06", "留守儿童", "石门镇", "李家村", "三年级", "", "王奶奶",
               "13812345678", ""],
    "helpers": ["赵志愿者", "志愿者", "石门镇", "13900001111", "2"],
    "pairings": ["张小明", "2015-03-01", "李老师", DAY],
    "contacts": ["张小明", "2015-03-01", "李老师", "谈心", DAY, "30", "聊了学习"],
    "activities": ["安全教育进校园", "安全教育", DAY, "石门镇中心小学", "1", "40", "张小明", "",
                   ""],
    "survey_answers": ["张小明", "2015-03-01", "母亲"],
}
KINDS = list(HEADERS)
# An ID number with a valid checksum for a girl born 2014-05-06, and the same in full width.
ID_NUMBER = "110101201405060027"
FULL_WIDTH_ID = ID_NUMBER.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})


@dataclass(frozen=True)
class Refused:
    """The words the refusal must contain: reason, and the row and column where there is one."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Accepted:
    """What must be stored afterwards."""

    check: Callable[[Session], None]


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    filename: str
    data: Callable[[], bytes]
    expect: Refused | Accepted


def refused(*words: str) -> Refused:
    return Refused(words)


def row(kind: str, **cells: str) -> list[str]:
    """The kind's good row with some cells replaced."""
    values = dict(zip(HEADERS[kind], GOOD[kind], strict=True))
    values.update(cells)
    return list(values.values())


def one_row_csv(kind: str, encoding: str = "utf-8-sig", **cells: str) -> Callable[[], bytes]:
    return lambda: hc.csv_bytes([HEADERS[kind], row(kind, **cells)], encoding)


def one_row_xlsx(kind: str, **cells: str) -> Callable[[], bytes]:
    return lambda: hc.xlsx_bytes([HEADERS[kind], row(kind, **cells)])


@functools.cache
def bomb(megabytes: int) -> bytes:
    return hc.zip_bomb_xlsx(HEADERS["orgs"], megabytes)


def scalar(session: Session, stmt: object) -> object:
    return session.scalar(stmt)


# --- what the accepted files must have stored ---------------------------------------------

def _unit(name: str, kind: OrgKind) -> Callable[[Session], None]:
    def check(session: Session) -> None:
        assert scalar(session, select(func.count()).where(
            OrgUnit.name == name, OrgUnit.kind == kind)) == 1
    return check


def _enrolled(session: Session) -> None:
    assert scalar(session, select(OrgUnit.enrolled_students).where(
        OrgUnit.name == "希望小学")) == 155


def _child(**expected: object) -> Callable[[Session], None]:
    def check(session: Session) -> None:
        child = session.scalars(select(Child).where(Child.name == expected.get(
            "name", "王小红"))).one()
        for field, value in expected.items():
            assert getattr(child, field) == value, field
    return check


def _same_town(session: Session) -> None:
    child = session.scalars(select(Child).where(Child.name == "王小红")).one()
    town = session.get(OrgUnit, child.town_id)
    assert town.name == "石门镇"
    assert scalar(session, select(func.count()).where(OrgUnit.kind == OrgKind.town)) == 2


def _guardian_phone(session: Session) -> None:
    assert session.scalars(select(Relative.phone)).one() == "13812345678"


def _helper_phone(session: Session) -> None:
    helper = session.scalars(select(Helper).where(Helper.name == "赵志愿者")).one()
    assert helper.phone == "13900001111"


def _pairing(session: Session) -> None:
    assert scalar(session, select(func.count()).select_from(Pairing)) == 1


def _contact_notes(notes: str, minutes: int | None = 30) -> Callable[[Session], None]:
    def check(session: Session) -> None:
        contact = session.scalars(select(CareContact)).one()
        assert (contact.notes, contact.minutes) == (notes, minutes)
    return check


def _activity(**expected: object) -> Callable[[Session], None]:
    def check(session: Session) -> None:
        activity = session.scalars(select(Activity)).one()
        for field, value in expected.items():
            assert getattr(activity, field) == value, field
    return check


def _donated(amount: str) -> Callable[[Session], None]:
    def check(session: Session) -> None:
        assert session.scalars(select(Donation.money_yuan)).one() == Decimal(amount)
    return check


def _answer(session: Session) -> None:
    assert session.scalars(select(SurveyAnswer.answer)).all() == ["母亲"]


# --- the corpus ----------------------------------------------------------------------------

def _every_kind() -> list[Case]:
    """The file-level attacks, against every kind: the reader refuses them before any row."""
    cases = []
    for kind in KINDS:
        header = HEADERS[kind]
        cases += [
            Case(f"{kind}-oversized", kind, "big.csv", functools.partial(hc.oversized_csv, header),
                 refused("文件过大", "最大 20 MB")),
            Case(f"{kind}-XFD1048576", kind, "far.xlsx",
                 functools.partial(hc.far_cell_xlsx, header, "XFD1048576"),
                 refused("XFD1048576", "1048576行×16384列", "超过上限")),
            Case(f"{kind}-png-as-xlsx", kind, "photo.xlsx", lambda: hc.PNG,
                 refused("不是 Excel 工作簿", "PNG 图片")),
            Case(f"{kind}-broken-zip", kind, "broken.xlsx", hc.broken_zip,
                 refused("已损坏或不是有效的 .xlsx")),
            Case(f"{kind}-nul-byte", kind, "nul.csv",
                 one_row_csv(kind, **{header[0]: GOOD[kind][0] + "\x00"}),
                 refused("第2行", f"“{header[0]}”列", "控制字符", "U+0000")),
        ]
    return cases


def _orgs() -> list[Case]:
    csv_, xlsx = one_row_csv, one_row_xlsx
    h = HEADERS["orgs"]
    return [
        Case("orgs-gb18030", "orgs", "机构.csv", csv_("orgs", "gb18030", 名称="𠮷祥小学"),
             Accepted(_unit("𠮷祥小学", OrgKind.school))),
        Case("orgs-utf16-bom", "orgs", "机构.csv", csv_("orgs", "utf-16"),
             Accepted(_unit("希望小学", OrgKind.school))),
        Case("orgs-tab-separated-utf16", "orgs", "机构.csv",
             lambda: ("\t".join(h) + "\r\n" + "\t".join(GOOD["orgs"]) + "\r\n").encode("utf-16"),
             Accepted(_unit("希望小学", OrgKind.school))),
        Case("orgs-latin1-garbage", "orgs", "机构.csv",
             lambda: ",".join(h).encode() + b"\r\nJos\xe9,\xe9cole,\xff\r\n",
             refused("无法识别文件编码")),
        Case("orgs-double-bom-header", "orgs", "机构.csv",
             lambda: b"\xef\xbb\xbf" + hc.csv_bytes([h, GOOD["orgs"]]),
             Accepted(_unit("希望小学", OrgKind.school))),
        Case("orgs-full-width-digits", "orgs", "机构.csv", csv_("orgs", 在籍学生数="１５５"),
             Accepted(_enrolled)),
        Case("orgs-excel-float", "orgs", "机构.xlsx", xlsx("orgs", 在籍学生数="155.0"),
             Accepted(_enrolled)),
        Case("orgs-spaced-name", "orgs", "机构.csv", csv_("orgs", 名称="希望 小学"),
             Accepted(_unit("希望小学", OrgKind.school))),
        Case("orgs-1e400", "orgs", "机构.csv", csv_("orgs", 在籍学生数="1e400"),
             refused("第2行", "在籍学生数", "科学计数法")),
        Case("orgs-inf", "orgs", "机构.csv", csv_("orgs", 在籍学生数="inf"),
             refused("第2行", "在籍学生数", "应为整数")),
        Case("orgs-20-digits", "orgs", "机构.csv", csv_("orgs", 在籍学生数="99999999999999999999"),
             refused("第2行", "在籍学生数", "数值过大")),
        Case("orgs-over-bound", "orgs", "机构.csv", csv_("orgs", 在籍学生数="1000001"),
             refused("第2行", "在籍学生数", "不能大于1000000")),
        Case("orgs-negative", "orgs", "机构.csv", csv_("orgs", 在籍学生数="-1"),
             refused("第2行", "在籍学生数", "不能小于0")),
        Case("orgs-fraction", "orgs", "机构.csv", csv_("orgs", 在籍学生数="1.9"),
             refused("第2行", "在籍学生数", "不能有小数")),
        Case("orgs-script-name", "orgs", "机构.csv",
             csv_("orgs", 名称="<img src=x onerror=alert(1)>"),
             refused("第2行", "名称", "不能含有符号“<”")),
        Case("orgs-markdown-link", "orgs", "机构.csv",
             csv_("orgs", 名称="[点这里](http://evil.example)"), refused("第2行", "名称", "“[”")),
        Case("orgs-zero-width", "orgs", "机构.csv", csv_("orgs", 名称="希望\u200b小学"),
             refused("第2行", "名称", "U+200B")),
        Case("orgs-bidi-override", "orgs", "机构.csv", csv_("orgs", 名称="希望\u202e学小"),
             refused("第2行", "名称", "U+202E")),
        Case("orgs-formula", "orgs", "机构.csv", csv_("orgs", 名称='=HYPERLINK("http://x","y")'),
             refused("第2行", "名称", "“=”")),
        Case("orgs-over-long", "orgs", "机构.csv", csv_("orgs", 名称="长" * 101),
             refused("第2行", "名称", "最多100个字")),
        Case("orgs-A1000000", "orgs", "far.xlsx",
             functools.partial(hc.far_cell_xlsx, h, "A1000000"),
             refused("1000000行×5列", "超过上限")),
        Case("orgs-area-GR20000", "orgs", "wide.xlsx",
             functools.partial(hc.far_cell_xlsx, h, "GR20000"),
             refused("20000行×200列", "行数×列数不超过300万")),
        Case("orgs-lying-dimension", "orgs", "far.xlsx",
             functools.partial(hc.lying_dimension_xlsx, h), refused("XFD5", "超过上限")),
        Case("orgs-entity-reference", "orgs", "far.xlsx",
             functools.partial(hc.entity_reference_xlsx, h), refused("已损坏")),
        Case("orgs-declared-dimension", "orgs", "far.xlsx",
             lambda: hc.xlsx_bytes([h, GOOD["orgs"]], dimension="A1:XFD1048576"),
             refused("A1:XFD1048576", "超过上限")),
        Case("orgs-zip-bomb-total", "orgs", "bomb.xlsx", lambda: bomb(250),
             refused("解压后超过200 MB", "压缩炸弹")),
        Case("orgs-zip-bomb-ratio", "orgs", "bomb.xlsx", lambda: bomb(60),
             refused("压缩比异常", "压缩炸弹")),
        Case("orgs-truncated-xlsx", "orgs", "cut.xlsx",
             functools.partial(hc.truncated_xlsx, h), refused("已损坏")),
        Case("orgs-pdf-as-xlsx", "orgs", "a.xlsx", lambda: hc.PDF, refused("PDF 文档")),
        Case("orgs-old-xls", "orgs", "a.xls", lambda: hc.OLE, refused("旧版 .xls", ".xlsx")),
        Case("orgs-ole-as-xlsx", "orgs", "a.xlsx", lambda: hc.OLE, refused("旧版 .xls")),
        Case("orgs-xlsx-as-csv", "orgs", "a.csv", xlsx("orgs"), refused("实际是 Excel 工作簿")),
        Case("orgs-png-as-csv", "orgs", "a.csv", lambda: hc.PNG, refused("不是 CSV", "PNG")),
        Case("orgs-10mb-cell", "orgs", "a.csv", functools.partial(hc.huge_cell_csv, h),
             refused("第2行", "无法按 CSV 读取", "超过131072个字符")),
        Case("orgs-6000-char-cell", "orgs", "a.csv", csv_("orgs", 上级="长" * 6000),
             refused("第2行", "“上级”列", "超过5000个字")),
        Case("orgs-6000-char-xlsx-cell", "orgs", "a.xlsx", xlsx("orgs", 上级="长" * 6000),
             refused("第2行", "超过5000个字")),
        Case("orgs-3000-char-parent", "orgs", "a.csv", csv_("orgs", 上级="长" * 3000),
             refused("第2行 上级", "最多100个字")),
        Case("orgs-too-many-rows", "orgs", "a.csv", functools.partial(hc.many_rows_csv, h),
             refused("超过100000行")),
        Case("orgs-too-many-columns", "orgs", "a.csv", functools.partial(hc.wide_csv, h),
             refused("第2行", "201列", "超过200列")),
        Case("orgs-bell-character", "orgs", "a.csv", csv_("orgs", 上级="石门镇\x07"),
             refused("第2行", "“上级”列", "U+0007")),
    ]


def _roster() -> list[Case]:
    csv_ = one_row_csv
    return [
        Case("roster-full-width-id-and-phone", "roster", "名单.csv",
             csv_("roster", 身份证号=FULL_WIDTH_ID, 监护人电话="１３８ １２３４ ５６７８"),
             Accepted(lambda s: (_child(id_number=ID_NUMBER)(s), _guardian_phone(s)))),
        Case("roster-gb18030", "roster", "名单.csv", csv_("roster", "gb18030"),
             Accepted(_child(grade="三年级"))),
        Case("roster-xlsx", "roster", "名单.xlsx", one_row_xlsx("roster", 年级="３年级"),
             Accepted(_child(grade="３年级"))),
        Case("roster-minority-name", "roster", "名单.csv", csv_("roster", 姓名="艾力·买买提"),
             Accepted(_child(name="艾力·买买提"))),
        Case("roster-notes-kept-as-text", "roster", "名单.csv",
             csv_("roster", 备注='=HYPERLINK("http://evil","点")\n第二行\t缩进'),
             Accepted(_child(notes='=HYPERLINK("http://evil","点")\n第二行\t缩进'))),
        Case("roster-spaced-town", "roster", "名单.csv",
             csv_("roster", **{"乡镇(街道)": "石门 镇"}), Accepted(_same_town)),
        Case("roster-typo-town", "roster", "名单.csv", csv_("roster", **{"乡镇(街道)": "石们镇"}),
             refused("第2行", "石们镇", "石门镇", "管理 › 组织机构")),
        Case("roster-typo-village", "roster", "名单.csv", csv_("roster", **{"村(社区)": "李佳村"}),
             refused("第2行", "李佳村", "李家村")),
        Case("roster-newline-in-name", "roster", "名单.csv", csv_("roster", 姓名="王小\n红"),
             refused("第2行", "姓名", "不能换行")),
        Case("roster-markdown-image", "roster", "名单.csv",
             csv_("roster", 姓名="![x](http://evil.example/x.png)"), refused("第2行", "姓名")),
        Case("roster-html-name", "roster", "名单.csv",
             csv_("roster", 姓名="<b>王</b>"), refused("第2行", "姓名", "“<”")),
        Case("roster-backticks", "roster", "名单.csv", csv_("roster", 姓名="`王小红`"),
             refused("第2行", "姓名", "“`”")),
        Case("roster-plus-cmd", "roster", "名单.csv", csv_("roster", 姓名="+cmd|' /C calc'!A0"),
             refused("第2行", "姓名")),
        Case("roster-at-sum", "roster", "名单.csv", csv_("roster", 姓名="@SUM(1+1)"),
             refused("第2行", "姓名", "“@”")),
        Case("roster-zero-width-guardian", "roster", "名单.csv",
             csv_("roster", 监护人姓名="王\u200d奶奶"), refused("第2行", "监护人姓名", "U+200D")),
        Case("roster-long-grade", "roster", "名单.csv", csv_("roster", 年级="年" * 21),
             refused("第2行", "年级", "最多20个字")),
        Case("roster-long-guardian", "roster", "名单.csv", csv_("roster", 监护人姓名="王" * 51),
             refused("第2行", "监护人姓名", "最多50个字")),
        Case("roster-bad-id-checksum", "roster", "名单.csv",
             csv_("roster", 身份证号=ID_NUMBER[:-1] + "9"), refused("第2行", "身份证号", "校验位")),
    ]


def _people() -> list[Case]:
    csv_ = one_row_csv
    return [
        Case("helpers-full-width-phone", "helpers", "帮扶人.csv",
             csv_("helpers", 电话="１３９００００１１１１"), Accepted(_helper_phone)),
        Case("helpers-fraction", "helpers", "帮扶人.csv", csv_("helpers", 可结对人数="1.9"),
             refused("第2行", "可结对人数", "不能有小数")),
        Case("helpers-1e400", "helpers", "帮扶人.csv", csv_("helpers", 可结对人数="1e400"),
             refused("第2行", "可结对人数", "科学计数法")),
        Case("helpers-20-digits", "helpers", "帮扶人.csv",
             csv_("helpers", 可结对人数="99999999999999999999"), refused("第2行", "数值过大")),
        Case("helpers-script-name", "helpers", "帮扶人.csv",
             csv_("helpers", 姓名="<script>alert(1)</script>"), refused("第2行", "姓名", "“<”")),
        Case("helpers-newline-unit", "helpers", "帮扶人.csv", csv_("helpers", 单位="石门\n镇"),
             refused("第2行", "单位", "不能换行")),
        Case("pairings-ok", "pairings", "结对.csv", csv_("pairings"), Accepted(_pairing)),
        Case("pairings-bell-in-date", "pairings", "结对.csv",
             csv_("pairings", 开始日期=DAY + "\x07"), refused("第2行", "“开始日期”列", "U+0007")),
        Case("pairings-formula-name", "pairings", "结对.csv", csv_("pairings", 儿童姓名="=1+1"),
             refused("第2行", "儿童姓名", "找不到儿童")),
        Case("contacts-notes-as-text", "contacts", "记录.csv",
             csv_("contacts", 记录="@SUM(A1)\n+cmd **粗体** <b>x</b>"),
             Accepted(_contact_notes("@SUM(A1)\n+cmd **粗体** <b>x</b>"))),
        Case("contacts-full-width-minutes", "contacts", "记录.csv",
             csv_("contacts", **{"时长(分钟)": "４５"}), Accepted(_contact_notes("聊了学习", 45))),
        Case("contacts-fraction", "contacts", "记录.csv", csv_("contacts", **{"时长(分钟)": "1.9"}),
             refused("第2行", "时长(分钟)", "不能有小数")),
        Case("contacts-1e400", "contacts", "记录.csv", csv_("contacts", **{"时长(分钟)": "1e400"}),
             refused("第2行", "时长(分钟)", "科学计数法")),
        Case("contacts-negative", "contacts", "记录.csv", csv_("contacts", **{"时长(分钟)": "-1"}),
             refused("第2行", "时长(分钟)", "不能小于0")),
        Case("contacts-20-digits", "contacts", "记录.csv",
             csv_("contacts", **{"时长(分钟)": "99999999999999999999"}),
             refused("第2行", "时长(分钟)", "数值过大")),
        Case("contacts-long-notes", "contacts", "记录.csv", csv_("contacts", 记录="记" * 2001),
             refused("第2行 记录", "最多2000个字")),
        Case("contacts-bidi-notes", "contacts", "记录.csv",
             csv_("contacts", 记录="正常\u202e文字"), refused("第2行", "记录", "U+202E")),
    ]


def _activities_and_surveys() -> list[Case]:
    csv_ = one_row_csv
    return [
        Case("activities-money-symbols", "activities", "活动.csv",
             csv_("activities", **{"捐助金额(元)": "￥1,500.50元"}), Accepted(_donated("1500.50"))),
        Case("activities-markdown-title-as-text", "activities", "活动.csv",
             csv_("activities", 名称="**安全**教育 [课堂]"),
             Accepted(_activity(title="**安全**教育 [课堂]", sessions=1))),
        Case("activities-sessions-fraction", "activities", "活动.csv",
             csv_("activities", 场次="1.9"), refused("第2行", "场次", "不能有小数")),
        Case("activities-sessions-1e400", "activities", "活动.csv",
             csv_("activities", 场次="1e400"), refused("第2行", "场次", "科学计数法")),
        Case("activities-person-times-huge", "activities", "活动.csv",
             csv_("activities", 人次="99999999999999999999"), refused("第2行", "人次", "数值过大")),
        Case("activities-money-three-decimals", "activities", "活动.csv",
             csv_("activities", **{"捐助金额(元)": "12.345"}), refused("第2行", "两位小数")),
        Case("activities-money-1e400", "activities", "活动.csv",
             csv_("activities", **{"捐助金额(元)": "1e400"}), refused("第2行", "捐助金额(元)")),
        Case("activities-money-negative", "activities", "活动.csv",
             csv_("activities", **{"捐助金额(元)": "-5"}), refused("第2行", "不能为负数")),
        Case("activities-newline-title", "activities", "活动.csv",
             csv_("activities", 名称="安全\n教育"), refused("第2行", "名称", "不能换行")),
        Case("activities-html-place", "activities", "活动.csv",
             csv_("activities", 地点="<iframe src=//evil>"), refused("第2行", "地点", "“<”")),
        Case("survey-gb18030", "survey_answers", "问卷.csv", csv_("survey_answers", "gb18030"),
             Accepted(_answer)),
        Case("survey-utf16", "survey_answers", "问卷.csv", csv_("survey_answers", "utf-16"),
             Accepted(_answer)),
        Case("survey-xlsx", "survey_answers", "问卷.xlsx", one_row_xlsx("survey_answers"),
             Accepted(_answer)),
        Case("survey-unknown-option", "survey_answers", "问卷.csv",
             csv_("survey_answers", **{"你有心里话最想对谁说?": "<b>老师</b>"}),
             refused("第2行", "你有心里话最想对谁说?")),
    ]


CORPUS = [*_every_kind(), *_orgs(), *_roster(), *_people(), *_activities_and_surveys()]


# --- running them ----------------------------------------------------------------------------

@pytest.fixture
def world(session):
    """平安县 › 石门镇 › 李家村 with 张小明, 李老师 at the school, and a one-question survey."""
    places = make_places(session)
    make_child_in(session, places.village, "张小明")  # born 2015-03-01
    make_helper(session, org_unit=places.school, name="李老师", phone="13700002222")
    survey = create_survey(session, actor=ADMIN, data=SurveyInput(
        "关爱问卷", date(2026, 10, 9), [QuestionInput("你有心里话最想对谁说?", ["父亲", "母亲"])]))
    session.commit()
    return survey


def counts(session: Session) -> dict[str, int]:
    """Rows in every table but the audit log (a refusal may leave its own note there)."""
    return {table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables if table.name != "audit_events"}


def attempt(session: Session, case: Case, survey_id: int) -> str | None:
    """Import the file; the refusal as text (file-level or row by row), or None when saved."""
    data = case.data()
    try:
        if case.kind == "survey_answers":
            report = import_answers(session, actor=ADMIN, survey_id=survey_id, data=data,
                                    filename=case.filename)
        else:
            report = run_import(session, actor=ADMIN, kind=case.kind, data=data,
                                filename=case.filename)
    except DomainError as exc:
        session.rollback()
        return exc.message
    session.commit()
    if report.ok:
        return None
    return "\n".join(f"第{e.row}行 {e.column}:{e.reason}" for e in report.errors)


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(CORPUS) >= 60
    assert {case.kind for case in CORPUS} == set(KINDS)
    assert len({case.id for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_a_hostile_file_is_refused_whole_or_taken_as_meant(session, world, case):
    before = counts(session)
    audit_before = session.scalar(select(func.max(AuditEvent.id))) or 0

    outcome = attempt(session, case, world.id)

    if isinstance(case.expect, Refused):
        assert outcome is not None, "the file was accepted"
        for word in case.expect.words:
            assert word in outcome, f"{word!r} not in {outcome!r}"
        assert "Traceback" not in outcome
        assert counts(session) == before
        added = session.scalars(select(AuditEvent.action).where(AuditEvent.id > audit_before))
        assert set(added) <= {"import_refused", "import_dry_run"}
    else:
        assert outcome is None, outcome
        case.expect.check(session)
