"""County-scale export: seconds to write 50,000 children × 30 columns as CSV and as XLSX.

    .venv/bin/python bench/export_speed.py [--rows 50000] [--repeat 3]

Targets: CSV under 2 s, XLSX under 8 s on the 2-core build machine. Prints figures (best of
`--repeat`) and the file sizes; it asserts nothing (behaviour is checked in tests/).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from sample_data import names, places
from services.exports.tables import ExportColumn, Sensitivity, prepare_rows, to_csv, to_xlsx

S = Sensitivity
COLUMNS = tuple(ExportColumn(*spec) for spec in (
    ("name", "姓名", S.NAME), ("gender", "性别"), ("birth_date", "出生日期"),
    ("id_number", "身份证号", S.ID_NUMBER, True), ("category", "儿童类别"),
    ("left_behind_type", "留守类型"), ("guardian_type", "监护类型"), ("town", "乡镇(街道)"),
    ("village", "村(社区)"), ("mountain", "是否山区"), ("school", "学校"), ("grade", "年级"),
    ("class_no", "班级"), ("address", "家庭住址", S.ADDRESS), ("economic", "家庭经济状况"),
    ("academic", "学业成绩"), ("health", "健康状况"), ("father", "父亲姓名", S.NAME),
    ("father_phone", "父亲电话", S.PHONE, True), ("father_work", "父亲务工地"),
    ("mother", "母亲姓名", S.NAME), ("mother_phone", "母亲电话", S.PHONE, True),
    ("mother_work", "母亲务工地"), ("guardian", "监护人姓名", S.NAME),
    ("guardian_phone", "监护人电话", S.PHONE, True), ("risk", "风险等级"),
    ("contacts", "本年联系次数"), ("donation", "受助金额(元)"), ("updated_at", "更新时间"),
    ("note", "备注"),
))
NOTES = ("", "", "", "爷爷身体不好,需多关注", "-已转介心理老师", "=父母离异", "成绩进步明显")


def synthetic_rows(count: int, seed: int = 42) -> list[dict[str, object]]:
    """`count` children's list rows, the same for the same seed."""
    rng = random.Random(seed)
    ids = names.IdNumbers(rng)
    today = date(2026, 11, 28)
    rows = []
    for _ in range(count):
        gender = rng.choice(("male", "female"))
        surname = names.pick_surname(rng)
        birth = today - timedelta(days=rng.randrange(365 * 3, 365 * 17))
        town, village = rng.choice(places.TOWNS), f"{rng.choice('李张王刘陈')}家湾村"
        rows.append({
            "name": surname + names.child_given_name(rng, gender),
            "gender": "男" if gender == "male" else "女", "birth_date": birth,
            "id_number": ids.issue(birth, gender), "category": "留守儿童",
            "left_behind_type": rng.choice(("父母双方外出", "父亲外出", "母亲外出")),
            "guardian_type": "(外)祖父母监护", "town": town, "village": village,
            "mountain": rng.random() < 0.4, "school": village.removesuffix("村") + "小学",
            "grade": rng.randint(1, 9), "class_no": rng.randint(1, 4),
            "address": places.address(rng, town, village, community=False),
            "economic": rng.choice(("困难", "一般", "较好")), "academic": "良好", "health": "健康",
            "father": names.adult_name(rng, "male", surname=surname),
            "father_phone": names.mobile(rng), "father_work": places.work_place(rng),
            "mother": names.adult_name(rng, "female"), "mother_phone": names.mobile(rng),
            "mother_work": places.work_place(rng),
            "guardian": names.adult_name(rng, "male", elder=True, surname=surname),
            "guardian_phone": rng.choice((names.mobile(rng), f"0731-{rng.randrange(10**7):07d}")),
            "risk": rng.choice(("红", "黄", "蓝", "绿", None)), "contacts": rng.randint(0, 24),
            "donation": Decimal(rng.randrange(0, 200_000)) / 100,
            "updated_at": datetime(2026, 11, 1, 8) + timedelta(minutes=rng.randrange(40_000)),
            "note": rng.choice(NOTES),
        })
    return rows


def timed(label: str, func, repeat: int) -> object:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<44} {best:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    rows = synthetic_rows(args.rows)
    built = time.perf_counter() - start
    print(f"{args.rows:,} rows × {len(COLUMNS)} columns built in {built:.2f} s")
    for sensitive in (False, True):
        tag = "include_sensitive" if sensitive else "masked"
        timed(f"prepare_rows ({tag})",
              lambda s=sensitive: sum(1 for _ in prepare_rows(rows, COLUMNS, include_sensitive=s)),
              args.repeat)
        csv_bytes = timed(f"to_csv ({tag})", lambda s=sensitive: to_csv(
            rows, COLUMNS, include_sensitive=s), args.repeat)
        xlsx_bytes = timed(f"to_xlsx ({tag})", lambda s=sensitive: to_xlsx(
            rows, COLUMNS, include_sensitive=s), args.repeat)
        print(f"  sizes: csv {len(csv_bytes) / 1e6:.1f} MB, xlsx {len(xlsx_bytes) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
