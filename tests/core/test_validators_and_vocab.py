"""Field rules, vocabularies and settings: tables of cases, each with its exact answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import config
from config import ConfigError, Settings, load_settings
from core.validators import (
    age_on,
    birth_date_problem,
    id_number_checksum,
    id_number_problem,
    phone_problem,
)
from core.vocab import (
    AcademicLevel,
    ActivityKind,
    Category,
    ContactKind,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    HouseholdType,
    LeftBehindType,
    NeedKind,
    RiskLevel,
    Role,
    UnknownLabel,
    Vocabulary,
    parse_yes_no,
)
from services.imports.rows import RowReader, parse_day

# --- phones --------------------------------------------------------------------------------

PHONE_RULE = "请填写11位手机号（如 13812345678）或带区号的固定电话（如 0755-12345678）"


@pytest.mark.parametrize(("phone", "ok"), [
    ("13812345678", True),
    ("19912345678", True),
    ("138 1234 5678", True),
    ("0755-12345678", True),
    ("075512345678", True),
    ("010-1234567", True),
    ("0371-6123456", True),
    ("1381234567", False),       # 10 digits
    ("138123456789", False),     # 12 digits
    ("12812345678", False),      # no mobile prefix 12x
    ("23812345678", False),
    ("12345678", False),         # landline without area code
    ("0755-123456", False),      # six-digit local number
    ("1381234567a", False),
    ("", False),
])
def test_phone_problem(phone, ok):
    assert phone_problem(phone) == (None if ok else PHONE_RULE)


# --- 身份证号 -------------------------------------------------------------------------------

def id_number(born: str, serial: str = "001") -> str:
    """A valid 18-character number for someone born on `born` (YYYYMMDD) in 东城区."""
    first17 = f"110101{born}{serial}"
    return first17 + id_number_checksum(first17)


def _ending_in_x() -> str:
    for serial in range(1000):
        number = id_number("20150301", f"{serial:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no serial gives check character X")


VALID_ID = id_number("20150301")
ID_WITH_X = _ending_in_x()
WRONG_CHECK = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
FORMAT = "身份证号应为18位，最后一位可以是数字或X"


@pytest.mark.parametrize(("number", "birth_date", "problem"), [
    pytest.param(VALID_ID, None, None, id="valid"),
    pytest.param(VALID_ID, date(2015, 3, 1), None, id="valid-with-matching-birth-date"),
    pytest.param(f"  {VALID_ID} ", None, None, id="spaces-trimmed"),
    pytest.param(ID_WITH_X, None, None, id="check-character-X"),
    pytest.param(ID_WITH_X.lower(), None, None, id="lowercase-x"),
    pytest.param(WRONG_CHECK, None, "身份证号校验位不正确，请核对", id="wrong-checksum"),
    pytest.param(VALID_ID, date(2015, 3, 2),
                 "身份证号中的出生日期（2015-03-01）与填写的出生日期不一致",
                 id="birth-date-mismatch"),
    pytest.param(id_number("20150230"), None, "身份证号中的出生日期无效", id="february-30"),
    pytest.param(id_number("20151301"), None, "身份证号中的出生日期无效", id="month-13"),
    pytest.param(VALID_ID[:17], None, FORMAT, id="17-characters"),
    pytest.param(VALID_ID + "1", None, FORMAT, id="19-characters"),
    pytest.param("X" + VALID_ID[1:], None, FORMAT, id="X-not-last"),
])
def test_id_number_problem(number, birth_date, problem):
    assert id_number_problem(number, birth_date) == problem


def test_id_number_checksum_matches_a_published_example():
    # GB 11643-1999's worked example.
    assert id_number_checksum("11010519491231002") == "X"


# --- ages and birth dates ------------------------------------------------------------------

@pytest.mark.parametrize(("born", "today", "age"), [
    (date(2015, 3, 1), date(2026, 2, 28), 10),
    (date(2015, 3, 1), date(2026, 3, 1), 11),
    (date(2015, 3, 1), date(2015, 3, 1), 0),
    (date(2015, 12, 31), date(2016, 1, 1), 0),
    (date(2016, 2, 29), date(2024, 2, 28), 7),
    (date(2016, 2, 29), date(2024, 2, 29), 8),
    (date(2016, 2, 29), date(2025, 2, 28), 8),   # no 29th: the birthday comes on 1 March
    (date(2016, 2, 29), date(2025, 3, 1), 9),
])
def test_age_on_counts_whole_years(born, today, age):
    assert age_on(born, today) == age


TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(("born", "problem"), [
    (date(2026, 3, 2), "出生日期不能晚于今天"),
    (date(2026, 3, 1), None),
    (date(2008, 3, 1), None),                               # 18 today
    (date(2007, 3, 2), None),                               # 18, 19 tomorrow
    (date(2007, 3, 1), "年龄超过18周岁，不属于儿童档案范围"),  # 19 today
    (date(1990, 6, 1), "年龄超过18周岁，不属于儿童档案范围"),
])
def test_birth_date_problem(born, problem):
    assert birth_date_problem(born, TODAY) == problem


# --- vocabularies --------------------------------------------------------------------------

def _all_vocabularies(base: type = Vocabulary) -> list[type[Vocabulary]]:
    found = []
    for sub in base.__subclasses__():
        found += [sub, *_all_vocabularies(sub)]
    return found


VOCABULARIES = _all_vocabularies()


def test_every_vocabulary_is_collected():
    assert len(VOCABULARIES) >= 21
    expected = {Category, GuardianType, HelperKind, ContactKind, ActivityKind, Role}
    assert expected <= set(VOCABULARIES)


@pytest.mark.parametrize(("vocabulary", "member", "text"), [
    pytest.param(vocabulary, member, text, id=f"{vocabulary.__name__}.{member.value}-{text}")
    for vocabulary in VOCABULARIES
    for member in vocabulary
    for text in dict.fromkeys([member.value, member.zh, *member.synonyms, member.en])
])
def test_parse_accepts_code_label_synonyms_and_english(vocabulary, member, text):
    assert vocabulary.parse(text) is member
    assert vocabulary.parse(f" {text.upper()} ") is member


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_unknown_label_message_lists_the_accepted_labels(vocabulary):
    with pytest.raises(UnknownLabel) as refused:
        vocabulary.parse(" 不存在的说法 ")
    accepted = "、".join(member.zh for member in vocabulary)
    assert str(refused.value) == f"无法识别“不存在的说法”,可填写:{accepted}"


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_member_has_a_chinese_and_an_english_label(vocabulary):
    for member in vocabulary:
        assert member.zh.strip() and member.en.strip(), member
        assert (member.label(), member.label("en")) == (member.zh, member.en)
        assert str(member) == member.value


# CONTRACTS.md: code ← labels accepted on import, the first one shown.
CONTRACT = {
    Category: {"left_behind": ["留守儿童"], "in_difficulty": ["困境儿童"],
               "de_facto_unsupported": ["事实无人抚养儿童"], "scattered_orphan": ["散居孤儿"],
               "disabled": ["残障儿童", "残疾儿童"]},
    LeftBehindType: {"both_parents_away": ["父母双方外出"], "father_away": ["父亲外出"],
                     "mother_away": ["母亲外出"]},
    GuardianType: {"grandparents": ["(外)祖父母监护", "祖父母监护", "隔代监护"],
                   "single_parent": ["父母单方监护"],
                   "relatives_friends": ["亲友监护", "亲朋监护"], "other": ["其他"]},
    EconomicStatus: {"hardship": ["困难", "较差"], "average": ["一般"], "comfortable": ["较好"]},
    AcademicLevel: {"excellent": ["优秀"], "good": ["良好"], "average": ["中等"],
                    "poor": ["较差", "差"]},
    Gender: {"male": ["男"], "female": ["女"]},
    HelperKind: {"class_teacher": ["班主任"], "teacher": ["教师"], "volunteer": ["志愿者"],
                 "caring_parent": ["爱心家长", "爱心妈妈", "代理家长"],
                 "peer_student": ["结对同学"], "social_worker": ["社工"],
                 "child_director": ["儿童主任"], "other": ["其他"]},
    ContactKind: {"home_visit": ["家访", "走访"], "phone_visit": ["电访", "电话回访"],
                  "talk": ["谈心"], "parent_call": ["亲情电话", "视频通话"], "letter": ["书信"],
                  "tutoring": ["学业辅导"], "counselling": ["心理辅导"],
                  "health_check": ["体检"], "delivery": ["送物资"]},
    ActivityKind: {"safety_education": ["安全教育"], "mental_health": ["心理健康"],
                   "tutoring": ["课业辅导"], "capacity_building": ["拓展增能"],
                   "care_visit": ["关爱慰问"], "festival_visit": ["节日慰问"],
                   "sports_arts": ["文体活动"], "family_link": ["亲情连线"],
                   "wish_fulfilment": ["满愿"], "meeting": ["家长会", "座谈会"],
                   "volunteer_service": ["志愿服务"], "other": ["其他"]},
    NeedKind: {"economic": ["经济困难"], "schooling_transfer": ["异地入学"],
               "assistive_device": ["辅具适配"], "medical": ["医疗"], "psychological": ["心理"],
               "study": ["学业"], "guardianship": ["监护缺失"], "safety": ["安全"]},
    RiskLevel: {"red": ["红", "高风险"], "yellow": ["黄", "中风险"], "blue": ["蓝", "低风险"],
                "green": ["绿", "健康"]},
    HouseholdType: {"rural": ["农业户口", "农村"], "urban": ["非农业户口", "城镇"]},
    Role: {"admin": ["管理员"], "coordinator": ["负责人"], "helper": ["帮扶人"],
           "viewer": ["查看者"]},
}


@pytest.mark.parametrize(("vocabulary", "code", "label"), [
    pytest.param(vocabulary, code, label, id=f"{vocabulary.__name__}-{label}")
    for vocabulary, codes in CONTRACT.items()
    for code, labels in codes.items()
    for label in labels
])
def test_contract_labels_parse_to_their_codes(vocabulary, code, label):
    assert vocabulary.parse(label).value == code


@pytest.mark.parametrize("vocabulary", list(CONTRACT), ids=lambda v: v.__name__)
def test_contract_codes_exist_and_show_the_first_label(vocabulary):
    for code, labels in CONTRACT[vocabulary].items():
        assert vocabulary(code).zh == labels[0]


@pytest.mark.parametrize(("text", "answer"), [
    ("是", True), ("否", False), ("有", True), ("无", False), ("Y", True), ("0", False),
    (" 是 ", True),
])
def test_yes_no(text, answer):
    assert parse_yes_no(text) is answer


def test_yes_no_refuses_anything_else():
    with pytest.raises(UnknownLabel, match=r"可填写:是、否$"):
        parse_yes_no("可能")


# --- configuration -------------------------------------------------------------------------

STRONG_SECRET = "k3J9x-very-long-random-cookie-secret-2026"


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(
        'DATABASE_URL = "sqlite:///from-file.db"\n'
        f'SHOUWANG_COOKIE_KEY = "{STRONG_SECRET}-file"\n'
        "[auth]\n"
        'ignored = "tables are not settings"\n', encoding="utf-8")
    return path


def test_environment_wins_over_the_secrets_file(secrets_file):
    settings = load_settings({"DATABASE_URL": "postgresql+psycopg://u:p@db/shouwang",
                              "SHOUWANG_COOKIE_KEY": STRONG_SECRET}, secrets_file)
    assert settings.database_url == "postgresql+psycopg://u:p@db/shouwang"
    assert settings.cookie_key == STRONG_SECRET


def test_secrets_file_fills_what_the_environment_leaves_out(secrets_file):
    settings = load_settings({"DATABASE_URL": ""}, secrets_file)
    assert settings.database_url == "sqlite:///from-file.db"
    assert settings.cookie_key == f"{STRONG_SECRET}-file"
    assert "auth" not in settings.extra
    settings.check_secret()


def test_database_defaults_to_sqlite_under_data(tmp_path):
    settings = load_settings({}, tmp_path / "missing.toml")
    assert settings.database_url == f"sqlite:///{config.ROOT / 'data' / 'shouwang.db'}"
    assert settings.data_dir == config.ROOT / "data"
    assert (settings.demo, settings.cookie_key) == (False, "")


def test_data_folder_moves_the_default_database(tmp_path):
    settings = load_settings({"SHOUWANG_DATA_DIR": str(tmp_path)}, tmp_path / "missing.toml")
    assert settings.database_url == f"sqlite:///{tmp_path / 'shouwang.db'}"


@pytest.mark.parametrize(("value", "demo"), [
    ("1", True), ("true", True), ("YES", True), ("on", True), ("0", False), ("", False),
    ("no", False),
])
def test_demo_mode_switch(tmp_path, value, demo):
    settings = load_settings({"SHOUWANG_DEMO": value}, tmp_path / "missing.toml")
    assert settings.demo is demo


@pytest.mark.parametrize(("value", "seconds"), [("10", 10), ("", 0), ("0", 0), ("ten", 0),
                                               ("-5", 0)])
def test_the_dashboards_count_from_the_rollups_unless_a_benchmark_asks(tmp_path, value, seconds):
    """SHOUWANG_RECOUNT_SECONDS is bench/dashboards.py's "before": anything but a whole number
    of seconds leaves the rollups on."""
    settings = load_settings({"SHOUWANG_RECOUNT_SECONDS": value}, tmp_path / "missing.toml")
    assert settings.recount_seconds == seconds


def test_demo_mode_generates_one_secret_per_process(tmp_path):
    first = load_settings({"SHOUWANG_DEMO": "1"}, tmp_path / "missing.toml")
    second = load_settings({"SHOUWANG_DEMO": "1"}, tmp_path / "missing.toml")

    assert len(first.cookie_key) >= config.MIN_SECRET_LENGTH
    assert first.cookie_key == second.cookie_key
    first.check_secret()


def test_demo_mode_keeps_a_secret_that_was_given(tmp_path):
    settings = load_settings({"SHOUWANG_DEMO": "1", "SHOUWANG_COOKIE_KEY": "short"},
                             tmp_path / "missing.toml")
    assert settings.cookie_key == "short"


SECRET_REFUSED = ("未设置登录签名密钥:请在环境变量 SHOUWANG_COOKIE_KEY 或 "
                  ".streamlit/secrets.toml 中设置至少 32 个字符的随机字符串"
                  "(演示模式可设置 SHOUWANG_DEMO=1)。")


@pytest.mark.parametrize(("secret", "demo", "refused"), [
    pytest.param("", False, True, id="missing"),
    pytest.param("some_key", False, True, id="readme-default"),
    pytest.param("changeme", False, True, id="changeme"),
    pytest.param("x" * 31, False, True, id="31-characters"),
    pytest.param("x" * 32, False, False, id="32-characters"),
    pytest.param(STRONG_SECRET, False, False, id="strong"),
    pytest.param("", True, False, id="missing-in-demo"),
    pytest.param("some_key", True, False, id="default-in-demo"),
])
def test_check_secret_refuses_weak_secrets_outside_demo_mode(secret, demo, refused):
    settings = Settings(database_url="sqlite://", cookie_key=secret, demo=demo)
    if refused:
        with pytest.raises(ConfigError) as error:
            settings.check_secret()
        assert str(error.value) == SECRET_REFUSED
    else:
        settings.check_secret()


@pytest.mark.parametrize(("vocabulary", "text", "expected"), [
    (GuardianType, "\uff08外\uff09祖父母监护", GuardianType.grandparents),
    (Gender, "\uff2d\uff41\uff4c\uff45", Gender.male),
    (Category, " 留守儿童\u3000", Category.left_behind),
])
def test_full_width_labels_are_read_like_ascii_ones(vocabulary, text, expected):
    assert vocabulary.parse(text) is expected


def test_a_category_list_may_be_separated_by_full_width_commas():
    cells = RowReader(2, {"儿童类别": "留守儿童\uff0c困境儿童\uff1b残疾儿童"})
    assert cells.vocab_list("儿童类别", Category) == [
        Category.left_behind, Category.in_difficulty, Category.disabled]
    assert not cells.errors


def test_full_width_dates_are_read():
    assert parse_day("\uff12\uff10\uff12\uff14-\uff13-\uff15") == date(2024, 3, 5)
