"""Helpers for tests that run work in other threads and processes."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta

import pytest


def wait_until(condition: Callable[[], bool], *, timeout: float = 60.0,
               what: str = "condition") -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def on_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"
GIVEN = "安宝晨东芳刚海华佳俊凯兰丽明娜鹏琪荣森婷伟欣雪阳怡勇玉泽真志"
VILLAGES = tuple(f"{a}{b}村" for a in "东西南北中" for b in "山水林田")  # 20 villages


def child_name(number: int, *, first: str = "") -> str:
    """A distinct, valid Chinese name for each number below 18,000."""
    surname = first or SURNAMES[number % len(SURNAMES)]
    rest = number // len(SURNAMES)
    return surname + GIVEN[rest % len(GIVEN)] + GIVEN[rest // len(GIVEN) % len(GIVEN)]


def roster_csv(count: int, *, first: str = "", town: str = "石门镇") -> bytes:
    """A roster file of `count` new children, spread over a town's twenty villages."""
    head = "姓名,性别,出生日期,儿童类别,乡镇(街道),村(社区)"
    rows = [f"{child_name(i, first=first)},{'男' if i % 2 else '女'},"
            f"{date(2012, 1, 1) + timedelta(days=i % 3000):%Y-%m-%d},留守儿童,{town},"
            f"{VILLAGES[i % len(VILLAGES)]}" for i in range(count)]
    return ("\n".join([head, *rows]) + "\n").encode("utf-8")
