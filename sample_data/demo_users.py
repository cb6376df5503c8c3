"""The demo logins, one per role; printed in demo mode and created by the seed."""

from __future__ import annotations

from dataclasses import dataclass

from core.vocab import Role
from sample_data.context import Context, stamp, stamps
from sample_data.helpers import HelperRec
from sample_data.orgs import OrgTree, School
from sample_data.writer import Row
from services.access.users import hash_password


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    password: str
    scope_note: str


DEMO_USERS: list[DemoUser] = [
    DemoUser("admin", "管理员", Role.admin, "demo-admin-2026", "全部数据（系统管理）"),
    DemoUser("coordinator", "刘晓红", Role.coordinator, "demo-coord-2026", "石门镇（乡镇）"),
    DemoUser("helper", "李春梅", Role.helper, "demo-helper-2026",
             "仅本人结对的儿童（石门镇学校的班主任）"),
    DemoUser("viewer", "陈建国", Role.viewer, "demo-viewer-2026", "青溪县全县（仅汇总数据）"),
]


def helper_school(tree: OrgTree) -> School:
    """The demo helper's school: the first school of the first town (石门镇)."""
    town = tree.towns[0]
    return next(s for s in tree.schools if s.unit.parent is town)


def user_ids(ctx: Context) -> dict[str, int]:
    return {user.username: ctx.new_id("users") for user in DEMO_USERS}


def user_rows(ctx: Context, tree: OrgTree, ids: dict[str, int]) -> list[Row]:
    """The demo accounts with bcrypt hashes (the only values that differ between runs)."""
    scopes = {Role.admin: None, Role.coordinator: tree.towns[0].id,
              Role.helper: helper_school(tree).unit.id, Role.viewer: tree.county.id}
    created = stamp(ctx.rng("users"), ctx.roster_day)
    return [{
        "id": ids[user.username], "username": user.username, "display_name": user.display_name,
        "role": user.role.value, "org_unit_id": scopes[user.role],
        "password_hash": hash_password(user.password), "is_active": True, "failed_logins": 0,
        "locked_until": None, "must_change_password": False, "last_login_at": None,
        "language": "zh", **stamps(created),
    } for user in DEMO_USERS]


def link_helper(helpers: list[HelperRec], school: School, user_id: int) -> HelperRec:
    """Tie the demo helper account to the class teacher at its school with most children."""
    at_school = [h for h in helpers if h.org_unit_id == school.unit.id and h.open > 0]
    teachers = [h for h in at_school if h.kind == "class_teacher"] or at_school
    if not teachers:
        raise RuntimeError("no helper with open pairings at the demo helper's school")
    chosen = max(teachers, key=lambda h: (h.open, -h.id))
    demo = next(u for u in DEMO_USERS if u.role is Role.helper)
    chosen.user_id, chosen.name, chosen.gender = user_id, demo.display_name, "female"
    return chosen


def saved_filter_rows(ctx: Context, ids: dict[str, int]) -> list[Row]:
    """The coordinator's 常用筛选, as a coordinator would keep them."""
    created = stamp(ctx.rng("saved_filters"), ctx.roster_day)
    filters = [("红黄色儿童", {"risk": ["red", "yellow"]}),
               ("未结对的留守儿童", {"cat": ["left_behind"], "pair": "unpaired"}),
               ("重点关注", {"kc": "1"})]
    return [{"id": ctx.new_id("saved_filters"), "user_id": ids["coordinator"], "page": "roster",
             "name": name, "params": params, **stamps(created)} for name, params in filters]
