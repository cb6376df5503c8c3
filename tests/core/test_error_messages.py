"""Refusals from the services read in the person's language: Chinese as it always was, English.

A message built from the catalogue (`Msg`, `DomainError.of`) is still its Chinese string, so the
CLI and every test reading `exc.message` see today's text; `exc.text("en")` is English. Here the
data are in Latin letters, so an English refusal must hold no Chinese character at all.
"""

from __future__ import annotations

import pickle
import re
from datetime import date

import pytest

from core.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.i18n import Msg, catalogue, render
from core.validators import id_number_checksum, person_name_problem
from core.vocab import Category, ContactKind, Gender, Relation, Role
from services.access.permissions import Actor, Capability
from services.care.contacts import log_contact
from services.imports import run_import
from services.pairing import pairings as pairing
from services.pairing.pairings import Assignment
from services.roster import records as roster
from services.roster.child_input import LINE_FIELDS, NOTE_FIELDS, ChildInput, RelativeInput
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import ADMIN, TODAY, helper_actor, make_child_in, make_places

HAN = re.compile(r"[\u3400-\u9fff]")
QUOTED = re.compile(r"“[^”]*”")


def _no_chinese(text: str) -> None:
    assert text.strip()
    assert not HAN.search(text), text


def test_a_catalogue_message_is_its_chinese_text_and_renders_in_english():
    message = Msg("errors.pairing.over_capacity", helper="Ms Smith", capacity=2, load=2)
    assert message == ("帮扶人“Ms Smith”可结对2人，目前已结对2人，不能再增加；"
                       "请选择其他帮扶人，或先调整其可结对人数")
    assert render(message, "zh") == message
    _no_chinese(render(message, "en"))
    assert "Ms Smith" in render(message, "en")
    assert pickle.loads(pickle.dumps(message)).render("en") == render(message, "en")


def test_a_plain_message_stays_as_written_in_both_languages():
    exc = DomainError("旧的提示。")
    assert exc.text("zh") == exc.text("en") == "旧的提示。"
    assert render("plain", "en") == "plain"


def test_nested_fields_and_vocabulary_labels_render_in_the_same_language():
    missing = NotFound(Msg("errors.what.child_record"))
    assert missing.message == "找不到该儿童档案，可能已被归档或不在您的管辖范围内。"
    assert "child's record" in missing.text("en")
    _no_chinese(missing.text("en"))
    shown = Msg("errors.child.id_gender", gender=Gender.female)
    assert shown == "身份证号显示性别为女，与填写的性别不一致"
    assert "Female" in render(shown, "en")


def test_the_default_refusals_read_as_before_in_chinese():
    assert PermissionDenied().message == "没有权限进行此操作。"
    assert NotFound().message == "找不到该记录，可能已被归档或不在您的管辖范围内。"
    assert ConcurrentEdit().message == ("该记录已被其他人修改，您的保存未生效。"
                                        "请刷新后查看最新内容再修改。")
    for exc in (PermissionDenied(), NotFound(), ConcurrentEdit()):
        _no_chinese(exc.text("en"))


def test_validators_return_chinese_reasons_that_render_in_english():
    why = person_name_problem("Tom<")
    assert why == "不能含有符号“<”"
    assert render(why, "en") == "Cannot contain the symbol “<”"
    assert person_name_problem("Tom@") == ("不能含有“@”：姓名只能由文字、空格和 · - . 组成"
                                           "（少数民族姓名用 ·）")
    _no_chinese(render(person_name_problem("Tom@"), "en"))


def test_each_child_field_label_is_the_import_column_it_names():
    for name, (header, _) in {**LINE_FIELDS, **NOTE_FIELDS}.items():
        assert catalogue("zh")[f"errors.field.{name}"] == header


# ---- real refusals ---------------------------------------------------------------------------

def test_a_bad_child_form_lists_every_problem_in_either_language(session):
    places = make_places(session)
    data = ChildInput(name="Tom<", gender=None, birth_date=date(2030, 1, 1), categories=[],
                      town_id=places.town.id, village_id=places.far_village.id,
                      id_number="12345", grade="x" * 21,
                      relatives=[RelativeInput(Relation.father, "", phone="12")])
    with pytest.raises(ValidationFailed) as caught:
        roster.create_child(session, actor=ADMIN, data=data, today=TODAY)
    exc = caught.value
    assert exc.problems == {
        "姓名": "不能含有符号“<”",
        "性别": "必填",
        "出生日期": "出生日期不能晚于今天",
        "儿童类别": "至少选择一个类别",
        "身份证号": "身份证号应为18位，最后一位可以是数字或X",
        "村(社区)": "“王家村”不属于“石门镇”",  # keep-ascii
        "年级": "最多20个字",
        "父亲电话": "请填写11位手机号（如 13812345678）或带区号的固定电话（如 0755-12345678）",
        "父亲姓名": "填写了电话，请同时填写姓名",
    }
    assert exc.message.startswith("姓名:不能含有符号“<”;性别:必填;")
    english = dict(exc.problems_in("en"))
    assert english["Name"] == "Cannot contain the symbol “<”"
    assert english["Father's phone"].startswith("Enter an 11-digit mobile number")
    # The place names are Chinese data; everything else is English.
    _no_chinese(QUOTED.sub("", exc.text("en")))


def test_an_over_capacity_pairing_is_refused_in_either_language(session):
    places = make_places(session)
    tom = make_child_in(session, places.village, "Tom Li")
    ann = make_child_in(session, places.village, "Ann Wu", gender=Gender.female)
    smith = make_helper(session, org_unit=places.village, name="Ms Smith", capacity=1)
    make_pairing(session, ann, smith)
    with pytest.raises(pairing.PairingRefused) as caught:
        pairing.pair_children(session, actor=ADMIN, assignments=[Assignment(tom.id, smith.id)],
                              started_on=TODAY, today=TODAY)
    exc = caught.value
    assert exc.message == ("帮扶人“Ms Smith”可结对1人，目前已结对1人，不能再增加；"
                           "请选择其他帮扶人，或先调整其可结对人数。")
    _no_chinese(exc.text("en"))
    assert exc.text("en").startswith("Helper “Ms Smith” can take 1 children and already has 1")


def test_a_batch_refusal_names_the_child_in_either_language(session):
    places = make_places(session)
    tom = make_child_in(session, places.village, "Tom Li")
    smith = make_helper(session, org_unit=places.village, name="Ms Smith")
    make_pairing(session, tom, smith)
    other = make_child_in(session, places.village, "Ann Wu", gender=Gender.female)
    batch = [Assignment(other.id, smith.id), Assignment(tom.id, smith.id)]
    with pytest.raises(pairing.PairingRefused) as caught:
        pairing.pair_children(session, actor=ADMIN, assignments=batch, started_on=TODAY,
                              today=TODAY)
    assert caught.value.message == ("Tom Li：“Tom Li”已与“Ms Smith”结对，不能重复结对。"
                                    "未做任何结对。")
    assert caught.value.text("en") == ("Tom Li: “Tom Li” is already paired with “Ms Smith”. "
                                       "No pairing was made.")


def test_forbidden_actions_are_refused_in_either_language(session):
    places = make_places(session)
    tom = make_child_in(session, places.village, "Tom Li")
    smith = make_helper(session, org_unit=places.village, name="Ms Smith")
    viewer = Actor(user_id=None, username="viewer", role=Role.viewer)
    with pytest.raises(PermissionDenied) as caught:
        viewer.require(Capability.EDIT_ROSTER)
    assert caught.value.message == "没有权限进行此操作。"
    assert caught.value.text("en") == "You do not have permission to do this."

    with pytest.raises(PermissionDenied) as caught:
        log_contact(session, actor=helper_actor(smith), child_id=tom.id, helper_id=smith.id,
                    kind=ContactKind.talk, contact_date=TODAY, today=TODAY)
    assert caught.value.message == "您只能为与您结对的儿童记录帮扶。"
    _no_chinese(caught.value.text("en"))


def test_a_contact_with_bad_fields_is_refused_in_either_language(session):
    places = make_places(session)
    tom = make_child_in(session, places.village, "Tom Li")
    smith = make_helper(session, org_unit=places.village, name="Ms Smith")
    with pytest.raises(ValidationFailed) as caught:
        log_contact(session, actor=ADMIN, child_id=tom.id, helper_id=smith.id,
                    kind=ContactKind.talk, contact_date=TODAY, minutes=-5, follow_up=True,
                    today=TODAY)
    assert caught.value.problems == {"时长(分钟)": "时长不能为负数",  # keep-ascii
                                     "跟进日期": "勾选“需跟进”时请填写跟进日期"}
    _no_chinese(caught.value.text("en"))
    assert dict(caught.value.problems_in("en"))["Duration (minutes)"] == (
        "The duration cannot be negative")


def test_a_stale_save_is_refused_in_either_language(session):
    places = make_places(session)
    tom = make_child_in(session, places.village, "Tom Li")
    data = ChildInput(name="Tom Li", gender=Gender.male, birth_date=tom.birth_date,
                      categories=[Category.left_behind], town_id=places.town.id,
                      village_id=places.village.id)
    with pytest.raises(ConcurrentEdit) as caught:
        roster.update_child(session, actor=ADMIN, child_id=tom.id,
                            expected_version=tom.version - 1, data=data, today=TODAY)
    assert caught.value.message.startswith("该儿童档案已被其他人修改")
    _no_chinese(caught.value.text("en"))


def _id(birth: str, seq: str) -> str:
    first17 = f"110101{birth.replace('-', '')}{seq}"
    return first17 + id_number_checksum(first17)


def test_bad_import_rows_give_reasons_in_either_language(session):
    make_places(session)
    header = ["姓名", "性别", "出生日期", "儿童类别",
              "乡镇(街道)", "村(社区)",  # keep-ascii
              "年级", "父亲姓名", "父亲电话", "是否寄宿"]
    rows = [["Tom Li", "男", "2015-13-01", "留守儿童", "石门镇", "李家村", "", "", "", ""],
            ["Ann Wu", "女", "yesterday", "留守儿童", "石门镇", "李家村", "", "", "", ""],
            ["Bo Chen", "男", "2015-03-01", "留守儿童", "石门镇", "李家村", "x" * 21, "Li Chen",
             "12", ""],
            ["Cy Ma", "男", "2015-03-01", "留守儿童", "石门镇", "李家村", "", "", "", "maybe"]]
    data = "\n".join(",".join(r) for r in [header, *rows]).encode("utf-8-sig")
    report = run_import(session, actor=ADMIN, kind="roster", data=data, filename="list.csv")
    reasons = {(e.row, e.column): e.reason for e in report.errors}
    assert reasons == {
        (2, "出生日期"): "不是有效日期",
        (3, "出生日期"): "日期格式应为 2024-03-05",
        (4, "年级"): "最多20个字",
        (4, "父亲电话"): "请填写11位手机号（如 13812345678）或带区号的固定电话（如 0755-12345678）",
        (5, "是否寄宿"): "请填写“是”或“否”",
    }
    english = {key: render(reason, "en") for key, reason in reasons.items()}
    assert english[(2, "出生日期")] == "Not a valid date"
    assert english[(4, "年级")] == "At most 20 characters"
    for text in english.values():
        _no_chinese(QUOTED.sub("", text))


def test_an_unknown_label_in_a_row_keeps_its_chinese_and_lists_the_accepted_labels(session):
    make_places(session)
    header = ["姓名", "性别", "出生日期", "儿童类别", "乡镇(街道)", "村(社区)"]  # keep-ascii
    data = "\n".join(",".join(r) for r in [
        header, ["Tom Li", "X", "2015-03-01", "留守儿童", "石门镇", "李家村"]]).encode()
    report = run_import(session, actor=ADMIN, kind="roster", data=data, filename="list.csv")
    (error,) = report.errors
    assert error.reason == "无法识别“X”,可填写:男、女"  # keep-ascii
    assert render(error.reason, "en") == "“X” is not recognised; accepted values: 男、女"


def test_every_message_key_the_code_names_is_in_the_catalogue():
    """A mistyped key would show itself (errors.pairing.over_capasity) instead of a message."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    named = re.compile(r"""(?:Msg|\.of)\(\s*"([a-z_.0-9]+)"|"""
                       r"""Msg\.keeping\([^,]+,\s*"([a-z_.0-9]+)"|"""
                       r"""field_label\(\s*"([a-z_0-9]+)\"""")
    missing, found = [], 0
    for folder in ("core", "services", "components", "pages"):
        for path in sorted((root / folder).rglob("*.py")):
            for key, kept, field in named.findall(path.read_text(encoding="utf-8")):
                found += 1
                wanted = key or kept or f"errors.field.{field}"
                if wanted not in catalogue("zh"):
                    missing.append(f"{path.relative_to(root)}: {wanted}")
    assert found > 400
    assert missing == []
