"""Every coded vocabulary, declared once with its Chinese label, import synonyms and English label.

Stored values are the stable codes (CONTRACTS.md); people only ever see labels.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import TYPE_CHECKING, Self

from core.i18n import Msg


class UnknownLabel(ValueError):
    """A label that the vocabulary does not accept; the message lists the accepted ones."""


class Vocabulary(StrEnum):
    """A coded value: `code`, Chinese label first, English label, then import synonyms."""

    zh: str
    en: str
    synonyms: tuple[str, ...]

    if TYPE_CHECKING:
        # Members are declared as (code, zh, en, *synonyms) tuples, but looked up by their code
        # alone (`Gender("male")`): this is the call the checker should see.
        _value_: str

        def __new__(cls, code: str) -> Self: ...

    else:

        def __new__(cls, code: str, zh: str, en: str, *synonyms: str) -> Self:
            member = str.__new__(cls, code)
            member._value_ = code
            member.zh = zh
            member.en = en
            member.synonyms = (zh, *synonyms)
            return member

    def label(self, lang: str = "zh") -> str:
        """Return the label a person sees in the given language."""
        return self.en if lang == "en" else self.zh

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def accepted_labels(cls) -> list[str]:
        return [m.zh for m in cls]

    @classmethod
    def parse(cls, text: str) -> Self:
        """Return the member whose code or any accepted label matches `text`."""
        wanted = _normalise(text)
        for member in cls:
            if wanted == member.value or wanted in {_normalise(s) for s in member.synonyms}:
                return member
            if wanted == member.en.lower():
                return member
        accepted = "、".join(cls.accepted_labels())
        raise UnknownLabel(Msg.keeping(f"无法识别“{text.strip()}”,可填写:{accepted}",
                                       "errors.row.unknown_label", text=text.strip(),
                                       accepted=accepted))


def _normalise(text: str) -> str:
    """Full-width forms (（外）, Ｍａｌｅ) as their ASCII twins, trimmed, lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


class Gender(Vocabulary):
    male = ("male", "男", "Male", "男性")
    female = ("female", "女", "Female", "女性")


class Category(Vocabulary):
    left_behind = ("left_behind", "留守儿童", "Left-behind child", "留守")
    in_difficulty = ("in_difficulty", "困境儿童", "Child in difficulty", "困境")
    de_facto_unsupported = ("de_facto_unsupported", "事实无人抚养儿童",
                            "De facto unsupported child", "事实无人抚养")
    scattered_orphan = ("scattered_orphan", "散居孤儿", "Scattered orphan", "孤儿")
    disabled = ("disabled", "残障儿童", "Child with disability", "残疾儿童", "残障", "残疾")


class LeftBehindType(Vocabulary):
    both_parents_away = ("both_parents_away", "父母双方外出", "Both parents away", "双亲外出")
    father_away = ("father_away", "父亲外出", "Father away")
    mother_away = ("mother_away", "母亲外出", "Mother away")


class GuardianType(Vocabulary):
    grandparents = ("grandparents", "(外)祖父母监护", "Grandparents", "祖父母监护", "隔代监护",
                    "外祖父母监护")
    single_parent = ("single_parent", "父母单方监护", "One parent", "单亲监护")
    relatives_friends = ("relatives_friends", "亲友监护", "Relatives or friends", "亲朋监护")
    other = ("other", "其他", "Other")


class EconomicStatus(Vocabulary):
    hardship = ("hardship", "困难", "Hardship", "较差", "家庭困难")
    average = ("average", "一般", "Average")
    comfortable = ("comfortable", "较好", "Comfortable", "良好")


class AcademicLevel(Vocabulary):
    excellent = ("excellent", "优秀", "Excellent")
    good = ("good", "良好", "Good")
    average = ("average", "中等", "Average", "一般")
    poor = ("poor", "较差", "Poor", "差")


class HelperKind(Vocabulary):
    class_teacher = ("class_teacher", "班主任", "Class teacher")
    teacher = ("teacher", "教师", "Teacher", "老师", "任课教师")
    volunteer = ("volunteer", "志愿者", "Volunteer")
    caring_parent = ("caring_parent", "爱心家长", "Caring parent", "爱心妈妈", "代理家长")
    peer_student = ("peer_student", "结对同学", "Peer student", "同学")
    social_worker = ("social_worker", "社工", "Social worker", "社会工作者")
    child_director = ("child_director", "儿童主任", "Child director")
    other = ("other", "其他", "Other")


class ContactKind(Vocabulary):
    home_visit = ("home_visit", "家访", "Home visit", "走访")
    phone_visit = ("phone_visit", "电访", "Phone call", "电话回访")
    talk = ("talk", "谈心", "Heart-to-heart talk")
    parent_call = ("parent_call", "亲情电话", "Call with parents", "视频通话")
    letter = ("letter", "书信", "Letter")
    tutoring = ("tutoring", "学业辅导", "Tutoring")
    counselling = ("counselling", "心理辅导", "Counselling")
    health_check = ("health_check", "体检", "Health check")
    delivery = ("delivery", "送物资", "Delivery of goods")


class ActivityKind(Vocabulary):
    """The built-in activity kinds; admins may add more rows to `activity_kinds`."""

    safety_education = ("safety_education", "安全教育", "Safety education")
    mental_health = ("mental_health", "心理健康", "Mental health")
    tutoring = ("tutoring", "课业辅导", "Tutoring")
    capacity_building = ("capacity_building", "拓展增能", "Capacity building")
    care_visit = ("care_visit", "关爱慰问", "Care visit")
    festival_visit = ("festival_visit", "节日慰问", "Festival visit")
    sports_arts = ("sports_arts", "文体活动", "Sports and arts")
    family_link = ("family_link", "亲情连线", "Family link")
    wish_fulfilment = ("wish_fulfilment", "满愿", "Wish fulfilment")
    meeting = ("meeting", "家长会", "Meeting", "座谈会")
    volunteer_service = ("volunteer_service", "志愿服务", "Volunteer service")
    other = ("other", "其他", "Other")


class NeedKind(Vocabulary):
    economic = ("economic", "经济困难", "Economic")
    schooling_transfer = ("schooling_transfer", "异地入学", "Schooling transfer")
    assistive_device = ("assistive_device", "辅具适配", "Assistive device")
    medical = ("medical", "医疗", "Medical")
    psychological = ("psychological", "心理", "Psychological")
    study = ("study", "学业", "Study")
    guardianship = ("guardianship", "监护缺失", "Guardianship")
    safety = ("safety", "安全", "Safety")


class NeedStatus(Vocabulary):
    open = ("open", "待对接", "Open")
    linked = ("linked", "已对接", "Linked")
    resolved = ("resolved", "已解决", "Resolved")
    closed = ("closed", "已关闭", "Closed")


class NeedPriority(Vocabulary):
    high = ("high", "高", "High", "紧急")
    normal = ("normal", "中", "Normal", "一般")
    low = ("low", "低", "Low")


class WishStatus(Vocabulary):
    collected = ("collected", "已征集", "Collected")
    taken = ("taken", "已认领", "Taken")
    fulfilled = ("fulfilled", "已实现", "Fulfilled")


class DonationDirection(Vocabulary):
    """The ledger's three kinds of entry: money or goods in, out, or straight to children."""

    received = ("received", "收入", "Received", "接收", "收到")
    given = ("given", "发放", "Given out", "支出")
    direct = ("direct", "直接捐赠", "Given directly", "直接发放")


class QuestionKind(Vocabulary):
    single = ("single", "单选", "Single choice")
    multiple = ("multiple", "多选", "Multiple choice")


class RiskLevel(Vocabulary):
    red = ("red", "红", "Red (high)", "高风险", "红色")
    yellow = ("yellow", "黄", "Yellow (medium)", "中风险", "黄色")
    blue = ("blue", "蓝", "Blue (low)", "低风险", "蓝色")
    green = ("green", "绿", "Green (healthy)", "健康", "绿色")


class HouseholdType(Vocabulary):
    rural = ("rural", "农业户口", "Rural", "农村")
    urban = ("urban", "非农业户口", "Urban", "城镇")


class Role(Vocabulary):
    admin = ("admin", "管理员", "Administrator")
    coordinator = ("coordinator", "负责人", "Coordinator")
    helper = ("helper", "帮扶人", "Helper")
    viewer = ("viewer", "查看者", "Viewer")


class OrgKind(Vocabulary):
    county = ("county", "县", "County", "县区", "区")
    town = ("town", "乡镇", "Township", "乡", "镇")
    subdistrict = ("subdistrict", "街道", "Subdistrict")
    village = ("village", "村", "Village")
    community = ("community", "社区", "Community")
    school = ("school", "学校", "School")


class Relation(Vocabulary):
    father = ("father", "父亲", "Father")
    mother = ("mother", "母亲", "Mother")
    guardian = ("guardian", "监护人", "Guardian")


class ArchiveReason(Vocabulary):
    parents_returned = ("parents_returned", "父母返乡", "Parents returned")
    aged_out = ("aged_out", "超龄", "Aged out")
    moved_away = ("moved_away", "迁出", "Moved away")
    no_longer_eligible = ("no_longer_eligible", "不再符合条件", "No longer eligible")
    duplicate = ("duplicate", "重复记录", "Duplicate record")
    other = ("other", "其他", "Other")


class PairingEndReason(Vocabulary):
    parents_returned = ("parents_returned", "父母返乡", "Parents returned", "父母已返乡")
    helper_left = ("helper_left", "帮扶人离开", "Helper left", "帮扶人调离", "工作调动")
    child_moved = ("child_moved", "儿童迁出", "Child moved", "迁出", "转学")
    reassigned = ("reassigned", "调整结对", "Reassigned", "重新调整结对")
    child_archived = ("child_archived", "档案归档", "Record archived")
    other = ("other", "其他", "Other")


class MatchHealth(Vocabulary):
    """How an open pairing is going, from its age and its last care contact."""

    new = ("new", "新结对", "New")
    healthy = ("healthy", "正常", "Healthy")
    attention = ("attention", "需关注", "Needs attention")


class RuleAudience(Vocabulary):
    """Whom a care rule's contacts are with: the child, the guardian, or the parents away."""

    child = ("child", "儿童本人", "The child")
    guardian = ("guardian", "监护人", "The guardian")
    parents = ("parents", "父母", "The parents")


class RulePeriod(Vocabulary):
    week = ("week", "每周", "Per week")
    month = ("month", "每月", "Per month")
    term = ("term", "每学期", "Per term")


class ProviderKind(Vocabulary):
    enterprise = ("enterprise", "企业", "Enterprise", "公司")
    association = ("association", "社会组织", "Association", "协会", "基金会")
    chamber_of_commerce = ("chamber_of_commerce", "商会", "Chamber of commerce")
    volunteer_association = ("volunteer_association", "志愿者协会", "Volunteer association",
                             "志愿服务队")
    media = ("media", "媒体", "Media", "报社", "电视台")
    government = ("government", "政府部门", "Government", "政府")
    school = ("school", "学校", "School")
    individual = ("individual", "个人", "Individual", "爱心人士")
    other = ("other", "其他", "Other")


class ViewKind(Vocabulary):
    """How someone saw children's personal data (访问记录): one child, or a list of them."""

    child_page = ("child_page", "档案页", "Child's page")
    contact_card = ("contact_card", "联系卡", "Contact card")
    export = ("export", "名单导出", "List export")
    report = ("report", "含姓名的汇报", "Report with names")
    emergency = ("emergency", "紧急查看", "Emergency access")


class ConsentBasis(Vocabulary):
    """Why the data may be held (个人信息保护法 第13、31条)."""

    guardian_consent = ("guardian_consent", "监护人同意", "Guardian's consent", "监护人书面同意")
    statutory_duty = ("statutory_duty", "法定职责", "Statutory duty",
                      "履行法定职责", "民政职责", "学校职责")


class ConsentPurpose(Vocabulary):
    """What the data may be used for; a withdrawn purpose stops at once."""

    records = ("records", "档案管理", "Case records")
    pairing = ("pairing", "结对帮扶", "Pairing")
    photos = ("photos", "活动照片", "Activity photos")
    publicity = ("publicity", "对外宣传", "Publicity")


class YesNo(Vocabulary):
    yes = ("yes", "是", "Yes", "有", "y", "true", "1")
    no = ("no", "否", "No", "无", "n", "false", "0")


def parse_yes_no(text: str) -> bool:
    """Parse 是/否 (and common equivalents) into a bool."""
    return YesNo.parse(text) is YesNo.yes
