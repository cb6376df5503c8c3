"""Masked means masked: no export kind, in CSV or XLSX, holds a person's full name unless asked.

One county whose free text names its people in full (with a phone and an ID number) is
exported as every list the hub offers; the masked file must not hold any person's name
from the database, the unmasked one must, and only those allowed may ask for it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.vocab import (
    ContactKind,
    HelperKind,
    NeedKind,
    NeedPriority,
    PairingEndReason,
    ProviderKind,
    Relation,
    Role,
)
from db.models import AuditEvent, Child, Helper, Relative, ResourceProvider, User, Wish
from services.access import permissions
from services.access.permissions import Actor, Capability
from services.care.activities import create_activity
from services.care.activity_checks import ActivityInput, DonationInput
from services.care.campaigns import CampaignInput, create_campaign
from services.exports.export_kinds import export_list, hub_lists
from services.exports.name_masking import mask_names_in, mask_text
from services.exports.tables import PEOPLE, ExportColumn, Sensitivity, mask_name, prepare_rows
from services.resources.ledger import record_given, record_received
from services.resources.needs import close_need, link_need, record_need, resolve_need
from services.resources.providers import ProviderInput, create_provider
from services.resources.survey_answers import record_answers
from services.resources.surveys import QuestionInput, SurveyInput, create_survey
from services.resources.wishes import collect_wish, fulfil_wish, take_wish
from tests.factories import make_helper, make_pairing, make_user
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    make_child_in,
    make_contact,
    make_places,
    make_relative,
)

ID_NUMBER = "110101201503010011"
PHONES = ("13812345678", "13912345678", "13600002222", "13700001111")
NOTE = ("与奶奶王秀英和张小明谈心，父亲张建军电话13912345678，身份证110101201503010011；"
        "李春梅记录，陈丽娟复核")
SUBSTRING_NOTE = "爷爷张三带张三丰来学校"
# Per kind, names the unmasked file must hold in full (so its masked twin is a real test).
IN_FULL: dict[str, tuple[str, ...]] = {
    "roster": ("张小明", "王秀英", "李春梅"),
    "unpaired": ("张三丰",),
    "pairings": ("张小明", "赵志强", "李春梅"),
    "helpers": ("钱德旺", "林雨桐"),
    "contacts": ("张小明", "王秀英", "张建军", "陈丽娟", "张三", "张三丰"),
    "activities": ("张小明", "张三丰", "王秀英", "何明辉", "李春梅"),
    "attendance": ("张小明", "张三丰"),
    "todo": ("林雨桐", "赵志强"),
    "no_contact": ("林雨桐", "赵志强"),
    "campaign_gaps": ("张小明", "林雨桐"),
    "needs": ("王秀英", "张小明", "陈丽娟", "孙燕秋", "吴德才", "张三"),
    "wishes": ("王秀英", "黄晓峰", "吴德才"),
    "ledger": ("吴德才", "王秀英", "张三", "张小明"),
    "providers": ("吴德才", "郑海涛"),
    "fairness": ("张小明", "张三丰"),
    "survey_results": (),
    "survey_answers": ("张小明",),
}
# Each list's filters that bring in the most people: history, stopped helpers.
FILTERS: dict[str, dict[str, object]] = {"pairings": {"include_ended": True},
                                         "helpers": {"include_inactive": True}}
REFUSED = "只有负责人和管理员可以导出含敏感信息的名单。"


@dataclass
class County:
    places: object
    coordinator: Actor  # county level, with a user record


def _build(session: Session) -> County:
    """Children with relatives, helpers, contacts, an activity, a ledger, needs, wishes, a
    campaign and a survey; the free text names the people in full."""
    p = make_places(session)
    chen = make_user(session, "chen", Role.coordinator, display_name="陈丽娟")
    sun = make_user(session, "sun", Role.coordinator, display_name="孙燕秋")
    coordinator = Actor(user_id=chen.id, username=chen.username, role=Role.coordinator)
    ming = make_child_in(session, p.village, "张小明", school_id=p.school.id, grade="三年级",
                         id_number=ID_NUMBER, address="石门镇李家村3组12号")
    san = make_child_in(session, p.village, "张三丰")
    lin = make_child_in(session, p.other_village, "林雨桐")
    make_relative(session, ming, Relation.guardian, name="王秀英", phone=PHONES[0],
                  relation_detail="祖母")
    make_relative(session, ming, Relation.father, name="张建军", phone=PHONES[1])
    make_relative(session, ming, Relation.mother, name="刘美华", phone=None)
    make_relative(session, san, Relation.guardian, name="张三", phone=None)
    make_relative(session, lin, Relation.guardian, name="林国栋", phone=None)
    li = make_helper(session, org_unit=p.school, name="李春梅", school_id=p.school.id,
                     capacity=5)
    zhao = make_helper(session, org_unit=p.village, name="赵志强", kind=HelperKind.volunteer)
    qian = make_helper(session, org_unit=p.other_village, name="钱德旺",
                       archived_at=datetime(2026, 6, 1),
                       archive_reason="钱德旺外出务工，林雨桐另行结对")
    make_pairing(session, ming, li)
    make_pairing(session, ming, zhao, started_on=date(2025, 9, 1), ended_on=date(2026, 2, 28),
                 end_reason=PairingEndReason.other, end_note="赵志强调往县城，张小明改由李春梅帮扶")
    make_pairing(session, lin, qian, started_on=date(2025, 9, 1), ended_on=date(2026, 6, 1),
                 end_reason=PairingEndReason.other, end_note="钱德旺外出，林雨桐另行结对")
    make_pairing(session, lin, zhao, started_on=date(2026, 6, 2))
    make_contact(session, ming, li, date(2026, 11, 20), notes=NOTE, recorded_by_id=chen.id)
    make_contact(session, san, None, date(2026, 11, 21), kind=ContactKind.home_visit,
                 notes=SUBSTRING_NOTE, recorded_by_id=chen.id)

    chamber = create_provider(session, actor=ADMIN, data=ProviderInput(
        "县潮汕商会", ProviderKind.chamber_of_commerce, "郑海涛", PHONES[3],
        notes="郑海涛负责联络"))
    wu = create_provider(session, actor=ADMIN, data=ProviderInput(
        "吴德才", ProviderKind.individual, None, PHONES[2], notes="吴德才每学期资助张小明"))
    create_activity(session, actor=ADMIN, today=TODAY, data=ActivityInput(
        kind="festival_visit", title="看望张小明和张三丰", held_on=date(2026, 6, 1),
        org_unit_id=p.school.id, place="王秀英家", child_ids=(ming.id, san.id),
        helper_ids=(li.id,), provider_names=(chamber.name, "何明辉"),  # 何明辉: kind unset
        donations=(DonationInput(Decimal("500"), "书包2个", provider_name="何明辉"),)))
    record_received(session, actor=ADMIN, provider_id=wu.id, donated_on=date(2026, 10, 1),
                    money_yuan=1000, goods="书包", goods_quantity=4, goods_unit="个",
                    notes=f"吴德才捐赠，电话{PHONES[2]}", today=TODAY)
    record_given(session, actor=ADMIN, donated_on=date(2026, 10, 2), money_yuan=400,
                 goods="书包", goods_quantity=2, goods_unit="个", recipients=[ming.id, san.id],
                 notes="发给张小明和张三丰，奶奶王秀英代领，爷爷张三签字", today=TODAY)

    need = record_need(session, actor=coordinator, child_id=ming.id, kind=NeedKind.economic,
                       description="王秀英腿脚不便，张小明上学需接送", found_on=date(2026, 11, 1),
                       priority=NeedPriority.high, owner_id=sun.id, today=TODAY)
    need = link_need(session, actor=coordinator, need_id=need.id, expected_version=need.version,
                     provider_id=wu.id, asked="请吴德才资助张小明校服", today=TODAY)
    resolve_need(session, actor=coordinator, need_id=need.id, expected_version=need.version,
                 resolution="吴德才已把校服交给王秀英", today=TODAY)
    other = record_need(session, actor=coordinator, child_id=san.id, kind=NeedKind.study,
                        description="张三丰作业无人辅导", found_on=date(2026, 11, 2),
                        priority=NeedPriority.normal, today=TODAY)
    close_need(session, actor=coordinator, need_id=other.id, expected_version=other.version,
               reason="张三已带张三丰转学", today=TODAY)

    wish = collect_wish(session, actor=ADMIN, child_id=ming.id,
                        content="想和奶奶王秀英去县城看电影", collected_on=date(2026, 5, 10),
                        today=TODAY)
    fulfil_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=wish.version,
                fulfilled_on=date(2026, 6, 1), today=TODAY, donor="黄晓峰")
    taken = collect_wish(session, actor=ADMIN, child_id=san.id, content="一本字典",
                         collected_on=date(2026, 5, 11), today=TODAY)
    take_wish(session, actor=ADMIN, wish_id=taken.id, expected_version=taken.version,
              taken_on=date(2026, 5, 20), today=TODAY, provider_id=wu.id)

    create_campaign(session, actor=ADMIN, data=CampaignInput(
        "入户走访", date(2026, 11, 1), date(2026, 11, 30), contact_kind=ContactKind.home_visit))
    survey = create_survey(session, actor=ADMIN, data=SurveyInput(
        "关爱问卷", date(2026, 10, 9), [QuestionInput("你最想念谁?", ["父母", "老师"])]))
    record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=ming.id,
                   answers={survey.questions[0].id: ["父母"]})
    session.commit()
    return County(p, coordinator)


@pytest.fixture
def county(session):
    return _build(session)


def persons(session: Session) -> set[str]:
    """Every person's name in the database: children, relatives, helpers, users, providers
    that are not organisations and their contact persons, donors written in by hand."""
    names = set(session.scalars(select(Child.name)))
    names |= set(session.scalars(select(Relative.name)))
    names |= set(session.scalars(select(Helper.name)))
    names |= set(session.scalars(select(User.display_name)))
    names |= set(session.scalars(select(ResourceProvider.contact_person)))
    names |= set(session.scalars(select(ResourceProvider.name).where(
        ResourceProvider.kind.in_([ProviderKind.individual, ProviderKind.other]))))
    names |= set(session.scalars(select(Wish.fulfilled_by).where(Wish.provider_id.is_(None))))
    return {name for name in names if name}


def text_of(data: bytes, fmt: str) -> str:
    """Everything a reader of the file sees, as one string."""
    if fmt == "csv":
        return data.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets
                     for row in sheet.iter_rows(values_only=True) for cell in row
                     if cell is not None)


def _export(session: Session, actor: Actor, kind: str, fmt: str, *,
            include_sensitive: bool = False) -> str:
    built = export_list(session, actor=actor, kind=kind, fmt=fmt, today=TODAY,
                        include_sensitive=include_sensitive, filters=FILTERS.get(kind))
    return text_of(built.data, fmt)


def _disclosures(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                                .order_by(AuditEvent.id)))


# ---- the masks --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "names", "expected"), [
    ("与奶奶王秀英和张小明谈心", ["张小明", "王秀英"], "与奶奶王*英和张*明谈心"),
    ("爷爷张三带张三丰来", ["张三", "张三丰"], "爷爷张*带张*丰来"),
    ("张三丰来了", ["三丰", "张三丰"], "张*丰来了"),  # not 张三*: one pass, not replace by replace
    ("欧阳娜娜和欧阳", ["欧阳", "欧阳娜娜"], "欧**娜和欧*"),  # longest first: not 欧*娜娜
    ("王老师说王芳很好", ["王", "王芳"], "王老师说王*很好"),  # one character: too common
    ("今天天气好", ["张小明"], "今天天气好"),
    ("张小明", [], "张小明"),
    ("张小明、张小明", [" 张小明 ", "", "张小明"], "张*明、张*明"),
])
def test_mask_names_in_masks_each_known_name_longest_first(text, names, expected):
    assert mask_names_in(text, names) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("父亲电话13912345678，身份证110101201503010011",
     "父亲电话139****5678，身份证110101********0011"),
    ("身份证11010120150301001X。", "身份证110101********001X。"),
    ("座机0755-12345678", "座机0755-****5678"),
    ("手机 138-1234-5678", "手机 138****5678"),
    ("2026年11月20日家访", "2026年11月20日家访"),
])
def test_mask_text_masks_phone_and_id_numbers(text, expected):
    assert mask_text(text) == expected


def test_several_names_in_one_cell_are_masked_one_by_one():
    assert mask_name("李春梅、王芳") == "李*梅、王*"


def test_a_text_column_masks_only_its_own_rows_people():
    columns = (ExportColumn("note", "记录", Sensitivity.TEXT),)
    rows = [{"note": "张小明=1", PEOPLE: ["张小明"]}, {"note": "=张小明"}]
    assert list(prepare_rows(rows, columns, include_sensitive=False)) == [
        ["张*明=1"], ["'=张小明"]]
    assert list(prepare_rows(rows, columns, include_sensitive=True)) == [
        ["张小明=1"], ["'=张小明"]]


def test_every_column_that_names_a_person_is_masked_as_a_name():
    person = ("姓名", "帮扶人", "记录人", "发现人", "负责人", "联系人", "服务人员", "受助儿童")
    found = [(kind, c.header, c.sensitivity) for kind, hub in hub_lists().items()
             for c in hub.columns if c.header.endswith(person)]
    assert len(found) >= 20
    assert [f for f in found if f[2] is not Sensitivity.NAME] == []


# ---- every export kind ------------------------------------------------------------------

def test_the_table_covers_every_export_kind():
    assert set(IN_FULL) == set(hub_lists())


@pytest.mark.parametrize("kind", list(IN_FULL))
def test_a_masked_export_holds_no_full_name_and_the_full_one_is_audited(session, county, kind):
    everyone = persons(session)
    assert {"张三", "张三丰", "陈丽娟", "吴德才", "何明辉", "黄晓峰", "郑海涛"} <= everyone
    for fmt in ("csv", "xlsx"):
        masked = _export(session, ADMIN, kind, fmt)
        assert sorted(name for name in everyone if name in masked) == [], fmt
        assert [n for n in (ID_NUMBER, *PHONES) if n in masked] == [], fmt
        full = _export(session, ADMIN, kind, fmt, include_sensitive=True)
        assert [name for name in IN_FULL[kind] if name not in full] == [], fmt
    events = _disclosures(session)
    assert [e.after["含敏感信息"] for e in events] == ["否", "是", "否", "是"]
    assert {e.entity for e in events} == {kind}


def test_free_text_keeps_its_words_with_the_names_masked(session, county):
    contacts = _export(session, ADMIN, "contacts", "csv")
    assert ("与奶奶王*英和张*明谈心，父亲张*军电话139****5678，身份证110101********0011；"
            "李*梅记录，陈*娟复核") in contacts
    assert "爷爷张*带张*丰来学校" in contacts
    activities = _export(session, ADMIN, "activities", "csv")
    assert "看望张*明和张*丰" in activities and "王*英家" in activities
    needs = _export(session, ADMIN, "needs", "csv")
    assert "张*已带张*丰转学" in needs and "吴*才已把校服交给王*英" in needs


def test_an_organisations_name_stays_and_a_persons_is_masked(session, county):
    activities = _export(session, ADMIN, "activities", "csv")
    assert "何*辉、县潮汕商会" in activities  # 何明辉's kind was never set: maybe a person
    providers = _export(session, ADMIN, "providers", "csv")
    assert "县潮汕商会" in providers and "吴*才" in providers and "郑*涛负责联络" in providers
    wishes = _export(session, ADMIN, "wishes", "csv")
    assert "黄*峰" in wishes and "想和奶奶王*英去县城看电影" in wishes


# ---- who may have the full form --------------------------------------------------------

@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_roles_without_export_get_no_file_of_any_kind(session, county, role):
    actor = Actor(user_id=None, username="nobody", role=role,
                  helper_id=session.scalar(select(Helper.id).where(Helper.name == "李春梅")))
    for kind in IN_FULL:
        for sensitive in (False, True):
            with pytest.raises(PermissionDenied):
                export_list(session, actor=actor, kind=kind, fmt="csv", today=TODAY,
                            include_sensitive=sensitive, filters=FILTERS.get(kind))
    assert _disclosures(session) == []


def test_without_the_sensitive_right_only_the_masked_form_is_given(session, county,
                                                                     monkeypatch):
    rights = permissions.CAPABILITIES[Role.coordinator] - {Capability.EXPORT_SENSITIVE}
    monkeypatch.setitem(permissions.CAPABILITIES, Role.coordinator, rights)
    actor = county.coordinator
    assert actor.can(Capability.EXPORT) and not actor.can(Capability.EXPORT_SENSITIVE)
    everyone = persons(session)
    for kind in IN_FULL:
        before = len(_disclosures(session))
        with pytest.raises(PermissionDenied) as refused:
            export_list(session, actor=actor, kind=kind, fmt="xlsx", today=TODAY,
                        include_sensitive=True, filters=FILTERS.get(kind))
        assert refused.value.message == REFUSED, kind
        assert len(_disclosures(session)) == before, kind  # nothing was disclosed
        masked = _export(session, actor, kind, "csv")
        assert sorted(name for name in everyone if name in masked) == [], kind
    assert {e.after["含敏感信息"] for e in _disclosures(session)} == {"否"}
