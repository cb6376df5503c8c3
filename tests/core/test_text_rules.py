"""Text rules for names and free text, strict numbers, and towns that differ by one character."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.errors import DomainError, ValidationFailed
from core.validators import (
    clean_name,
    clean_org_name,
    display_name_problem,
    id_number_problem,
    org_name_problem,
    person_name_problem,
    phone_problem,
    text_problem,
)
from core.vocab import Category, Gender, HelperKind, OrgKind, Relation
from db.models import OrgUnit
from services.access import orgs
from services.imports.rows import RowReader, parse_integer, parse_money
from services.roster.child_input import ChildInput, RelativeInput, child_problems
from services.roster.helpers import HelperInput, create_helper
from tests.pairing_factories import ADMIN, make_places

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(("name", "problem"), [
    ("张三", None),
    ("欧阳娜娜", None),
    ("艾力·买买提", None),
    ("阿卜杜拉・热合曼", None),
    ("Zhang San", None),
    ("Mary-Jane O'Neil", None),
    ("𠮷祥", None),
    ("", "必填"),
    ("   ", "必填"),
    ("张" * 51, "最多50个字"),
    ("张\n三", "不能换行"),
    ("张\t三", "U+0009"),
    ("张\u200b三", "U+200B"),
    ("张\u200d三", "U+200D"),
    ("张\ufeff三", "U+FEFF"),
    ("张\u2060三", "U+2060"),
    ("\u202e三张", "U+202E"),
    ("张\u2066三", "U+2066"),
    ("张\x00三", "U+0000"),
    ("张\x1b三", "U+001B"),
    ("<b>张三</b>", "“<”"),
    ("[张三](http://evil.example)", "“[”"),
    ("![x](http://evil.example/x.png)", "“!”"),
    ("`张三`", "“`”"),
    ("**张三**", "“*”"),
    ("_张三_", "“_”"),
    ("=HYPERLINK(\"x\")", "“=”"),
    ("+cmd", "“+”"),
    ("@SUM", "“@”"),
    ("张三(2015-03-02)", "“(”"),
    ("张三1", "“1”"),
])
def test_person_names(name, problem):
    found = person_name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(("name", "problem"), [
    ("石门镇", None),
    ("实验小学(东校区)", None),
    ("石门镇第一中学（初中部）", None),
    ("第3中学", None),
    ("李家村3组", None),
    ("1#安置点", None),
    ("No.2 Middle School", None),
    ("南山社区·新区", None),
    ("镇" * 101, "最多100个字"),
    ("石门\n镇", "不能换行"),
    ("石门\u200b镇", "U+200B"),
    ("<script>alert(1)</script>", "“<”"),
    ("[石门镇](http://evil.example)", "“[”"),
    ("石门镇`", "“`”"),
    ("=1+1", "“=”"),
    ("@石门镇", "“@”"),
])
def test_org_names(name, problem):
    found = org_name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(("text", "multiline", "problem"), [
    ("第一行\n第二行\t缩进", True, None),
    ("**粗体** <b>x</b> [链接](http://x) =SUM(A1)", True, None),
    ("表情👨\u200d👩\u200d👧", True, None),
    ("第一行\n第二行", False, "不能换行"),
    ("正常\u202e文字", True, "U+202E"),
    ("响铃\x07", True, "U+0007"),
    ("回车\r", True, "U+000D"),
    ("段落\u2029", True, "U+2029"),
    ("长" * 21, False, "最多20个字"),
])
def test_free_text(text, multiline, problem):
    found = text_problem(text, max_len=20 if problem == "最多20个字" else 2000, multiline=multiline)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(("name", "problem"), [
    ("王主任", None), ("admin 1", None), ("<img src=x>", "“<”"), ("王\u202e任", "U+202E"),
    ("[王](http://x)", "“[”"), ("王" * 31, "最多30个字"), ("  ", "不能为空"),
])
def test_display_names(name, problem):
    found = display_name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(("raw", "person", "org"), [
    ("  张　三  ", "张 三", "张三"),
    ("石门  镇", "石门 镇", "石门镇"),
    ("实验小学 (东校区)", "实验小学 (东校区)", "实验小学(东校区)"),
    ("Hope   School", "Hope School", "Hope School"),
    ("张\n三", "张\n三", "张\n三"),  # kept, so the rules refuse it
])
def test_names_are_cleaned_of_extra_spaces_only(raw, person, org):
    assert (clean_name(raw), clean_org_name(raw)) == (person, org)


def test_full_width_id_numbers_and_phones_are_read_as_ascii():
    assert id_number_problem("１１０１０１２０１４０５０６００２７") is None
    assert id_number_problem("110101 20140506 0027") is None
    assert "校验位" in id_number_problem("１１０１０１２０１４０５０６００２８")
    assert phone_problem("１３８ １２３４ ５６７８") is None
    assert phone_problem("０７５５－１２３４５６７８") is None


@pytest.mark.parametrize(("text", "kwargs", "expected"), [
    ("3", {}, 3), ("3.0", {}, 3), ("3.000", {}, 3), ("+7", {}, 7), (" 12 ", {}, 12),
    ("１２", {}, 12), ("1,234", {}, 1234), ("０", {}, 0), ("－2", {"minimum": -5}, -2),
    ("\u22123", {"minimum": -5}, -3), ("50", {"maximum": 50}, 50),
    ("1.9", {}, "不能有小数"), ("0.5", {}, "不能有小数"), ("1e400", {}, "科学计数法"),
    ("1E3", {}, "科学计数法"), ("inf", {}, "应为整数"), ("-inf", {}, "应为整数"),
    ("nan", {}, "应为整数"), ("99999999999999999999", {}, "数值过大"),
    ("99999999999999999999", {"maximum": 50}, "最多50"), ("-1", {}, "不能小于0"),
    ("51", {"maximum": 50}, "不能大于50"), ("十二", {}, "应为整数"), ("1 2", {}, 12),
    ("0x1F", {}, "应为整数"), ("1_000", {}, "应为整数"), ("12,34", {}, "应为整数"),
])
def test_strict_integers(text, kwargs, expected):
    if isinstance(expected, int):
        assert parse_integer(text, **kwargs) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            parse_integer(text, **kwargs)


@pytest.mark.parametrize(("text", "expected"), [
    ("2000", Decimal("2000")), ("1500.50", Decimal("1500.50")), ("1,500.5", Decimal("1500.5")),
    ("￥80元", Decimal("80")), ("¥ 80", Decimal("80")), ("１５００．５０", Decimal("1500.50")),
    ("0", Decimal("0")), ("10000000", Decimal("10000000")),
    ("12.345", "两位小数"), ("-5", "不能为负数"), ("1e400", "应为不小于0的金额"),
    ("NaN", "应为不小于0的金额"), ("10000000.01", "金额过大"),
    ("99999999999999999999", "金额过大"), ("五百", "应为不小于0的金额"),
])
def test_money(text, expected):
    if isinstance(expected, Decimal):
        assert parse_money(text) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            parse_money(text)


def test_a_row_reader_names_the_column_of_a_bad_number():
    cells = RowReader(7, {"场次": "1.9", "人次": "1e400", "时长": "３０"})
    assert cells.integer("场次", minimum=1, maximum=50) is None
    assert cells.integer("人次") is None
    assert cells.integer("时长") == 30
    assert [(e.row, e.column) for e in cells.errors] == [(7, "场次"), (7, "人次")]


# --- on the paths that save ---------------------------------------------------------------

def _child(places, **changes) -> ChildInput:
    data = ChildInput(name="王小红", gender=Gender.female, birth_date=date(2014, 5, 6),
                      categories=[Category.left_behind], town_id=places.town.id,
                      village_id=places.village.id)
    for field, value in changes.items():
        setattr(data, field, value)
    return data.normalised()


@pytest.mark.parametrize(("changes", "column", "words"), [
    ({"name": "王小\u200b红"}, "姓名", "U+200B"),
    ({"name": "[王小红](http://x)"}, "姓名", "“[”"),
    ({"grade": "年" * 21}, "年级", "最多20个字"),
    ({"class_name": "3班\n4班"}, "班级", "不能换行"),
    ({"address": "<b>石门镇</b>"}, "家庭住址", "“<”"),
    ({"contact_with_parents": "电" * 101}, "与父母联系方式", "最多100个字"),
    ({"notes": "备\u202e注"}, "备注", "U+202E"),
    ({"relatives": [RelativeInput(Relation.guardian, "王" * 51)]}, "监护人姓名", "最多50个字"),
    ({"relatives": [RelativeInput(Relation.guardian, "<i>王</i>")]}, "监护人姓名", "“<”"),
    ({"relatives": [RelativeInput(Relation.guardian, "王奶奶", relation_detail="奶" * 21)]},
     "监护人关系", "最多20个字"),
    ({"relatives": [RelativeInput(Relation.father, "王大", work_place="广\n东")]},
     "父亲务工地", "不能换行"),
])
def test_child_records_refuse_bad_text_in_every_field(session, changes, column, words):
    places = make_places(session)
    problems = child_problems(session, _child(places, **changes), today=TODAY)
    assert words in problems.get(column, ""), problems


def test_child_records_keep_full_width_numbers_as_ascii(session):
    places = make_places(session)
    phone = "１３８ １２３４ ５６７８"
    data = _child(places, id_number="１１０１０１２０１４０５０６００２７",
                  relatives=[RelativeInput(Relation.guardian, "王奶奶", phone)])
    assert child_problems(session, data, today=TODAY) == {}
    assert (data.id_number, data.relatives[0].phone) == ("110101201405060027", "13812345678")


@pytest.mark.parametrize(("changes", "column", "words"), [
    ({"name": "<script>x</script>"}, "姓名", "“<”"),
    ({"name": "李\u202e师"}, "姓名", "U+202E"),
    ({"work_unit": "单" * 101}, "单位", "最多100个字"),
    ({"class_name": "班" * 21}, "班级", "最多20个字"),
])
def test_helpers_refuse_bad_text(session, changes, column, words):
    places = make_places(session)
    data = HelperInput(**{"name": "李老师", "kind": HelperKind.teacher,
                          "org_unit_id": places.town.id, **changes})
    with pytest.raises(ValidationFailed) as refused:
        create_helper(session, actor=ADMIN, data=data, today=TODAY)
    assert words in refused.value.problems[column]


def test_org_units_are_created_with_clean_names_and_checked(session):
    places = make_places(session)
    unit = orgs.create_org_unit(session, actor=ADMIN, name=" 希望 小学 ", kind=OrgKind.school,
                                parent_id=places.town.id)
    assert unit.name == "希望小学"
    with pytest.raises(ValidationFailed) as refused:
        orgs.create_org_unit(session, actor=ADMIN, name="<b>村</b>", kind=OrgKind.village,
                             parent_id=places.town.id)
    assert "“<”" in refused.value.problems["名称"]
    with pytest.raises(ValidationFailed) as renamed:
        orgs.update_org_unit(session, actor=ADMIN, org_unit_id=unit.id,
                             expected_version=unit.version, name="希望\u200b小学",
                             is_mountain_area=False, enrolled_students=None)
    assert "U+200B" in renamed.value.problems["名称"]


# --- towns and villages a roster names ----------------------------------------------------

@pytest.mark.parametrize(("name", "kind", "parent", "outcome"), [
    ("石门 镇", OrgKind.town, "county", "石门镇"),
    ("石门　镇", OrgKind.town, "county", "石门镇"),
    ("石们镇", OrgKind.town, "county", "refused"),
    ("石门", OrgKind.town, "county", "refused"),
    ("石门镇镇", OrgKind.town, "county", "refused"),
    ("李佳村", OrgKind.village, "town", "refused"),
    ("李家家村", OrgKind.village, "town", "refused"),
    ("李家新村", OrgKind.village, "town", "new"),  # 新村 is a new village beside the old one
    ("王家村", OrgKind.village, "town", "new"),  # beside 李家村 and 张家村: another family's
    ("礼家村", OrgKind.village, "town", "refused"),  # 礼 sounds like 李: an input-method slip
    ("石门镇中心小学", OrgKind.school, "town", "石门镇中心小学"),
    ("石门镇第三小学", OrgKind.school, "town", "new"),  # 第二 → 第三: a different school
    ("青山镇", OrgKind.town, "county", "new"),  # 青山乡 is two edits away
])
def test_a_unit_one_character_from_a_sibling_is_not_created(session, name, kind, parent,
                                                            outcome):
    places = make_places(session)
    parent_id = (places.county if parent == "county" else places.town).id
    before = session.scalar(select(func.count()).select_from(OrgUnit))
    if outcome == "refused":
        with pytest.raises(DomainError) as refused:
            orgs.ensure_unit_for_roster(session, actor=ADMIN, name=name, kind=kind,
                                        parent_id=parent_id)
        assert "只差一个字" in refused.value.message
        assert "管理 › 组织机构" in refused.value.message
        assert session.scalar(select(func.count()).select_from(OrgUnit)) == before
        return
    unit = orgs.ensure_unit_for_roster(session, actor=ADMIN, name=name, kind=kind,
                                       parent_id=parent_id)
    grown = session.scalar(select(func.count()).select_from(OrgUnit)) - before
    assert (unit.name, grown) == ((name, 1) if outcome == "new" else (outcome, 0))


def test_a_unit_on_different_numbers_or_directions_is_a_new_place():
    assert not orgs.one_edit_apart("东村", "西村")
    assert not orgs.one_edit_apart("李家村一组", "李家村二组")
    assert not orgs.one_edit_apart("大河村", "小河村")
    assert orgs.one_edit_apart("石门镇", "石们镇")
    assert orgs.one_edit_apart("李家村", "李佳村")
    assert not orgs.one_edit_apart("李家村", "王家村")
    assert not orgs.one_edit_apart("李家村", "李家新村")
    assert orgs.one_edit_apart("石门镇", "石门")
    assert not orgs.one_edit_apart("石门镇", "石门镇")
