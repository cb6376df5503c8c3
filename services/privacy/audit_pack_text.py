"""The 年度合规审计 pack written out: Markdown for the DOCX writer of the reports (公文 layout).

Plain sentences and bullets, one figure each, so the data-protection officer edits a draft
rather than a form; the sections follow what the yearly audit must cover.
"""

from __future__ import annotations

from core.vocab import ConsentBasis, ConsentPurpose, ViewKind
from services.privacy.audit_pack import AuditPack
from services.reports.report_docx import markdown_to_docx

VIEW_NAMES = {ViewKind.child_page: "打开儿童档案页", ViewKind.contact_card: "联系卡",
              ViewKind.export: "导出名单", ViewKind.report: "含姓名的汇报文件",
              ViewKind.emergency: "紧急查看"}
FLAG_NAMES = {"many_children": "一天内打开本人结对以外的大量儿童档案",
              "night_export": "夜间（22:00–06:00）导出含姓名的名单或汇报"}


def audit_pack_markdown(pack: AuditPack) -> str:
    lines = [f"# {pack.year}年度未成年人个人信息保护合规审计报告（草稿）", "",
             f"本报告由守望根据系统数据于 {pack.made_at:%Y-%m-%d %H:%M} 自动生成，供数据保护负责人"
             "核对、补充后定稿。各项数字均直接统计自数据库。", ""]
    for section in (_inventory, _basis, _roles, _access, _retention, _incidents, _protections):
        lines += [*section(pack), ""]
    return "\n".join(lines)


def audit_pack_docx(pack: AuditPack) -> bytes:
    return markdown_to_docx(audit_pack_markdown(pack),
                            title=f"{pack.year}年度未成年人个人信息保护合规审计报告")


# What is held, where and how: the storage of each kind of field (the DPO checks it each year).
STORAGE = (
    ("姓名、性别、出生日期、学校班级、儿童类别、监护情况", "数据库", "明文，按角色和辖区限制查看"),
    ("身份证号", "数据库", "加密（Fernet），另存带密钥的散列和后四位"),
    ("住址、健康和心理状况、帮扶备注", "数据库", "明文，按角色和辖区限制查看，导出时遮盖"),
    ("亲属姓名、电话、务工地", "数据库", "明文，按角色和辖区限制查看，导出时遮盖"),
    ("活动照片、心愿照片、知情同意书扫描件", "数据文件夹", "文件，仅经应用按权限读取"),
    ("操作日志、访问记录", "数据库", "明文，仅管理员查看；身份证号只记后四位"),
    ("备份", "备份文件夹或下载", "含身份证号密文；网页下载为 AES-256 加密 ZIP"),
)


def _inventory(pack: AuditPack) -> list[str]:
    c, r = pack.children, pack.records
    categories = "、".join(f"{category.zh} {count} 人"
                           for category, count in pack.categories.items() if count)
    return [
        "## 一、个人信息清单", "",
        f"- 在册儿童按类别（一人可属多类）：{categories or '无'}。",
        f"- 儿童档案：在册 {c['active']} 人，已归档 {c['archived']} 人，"
        f"已匿名化 {c['anonymised']} 人；字段包括姓名、性别、出生日期、身份证号、住址、"
        "学校班级、儿童类别、监护情况、健康和心理状况、帮扶备注、风险等级。",
        f"- 身份证号：{c['id_numbers']} 条，全部加密存储，明文仅保留后四位用于查找。",
        f"- 亲属信息：{r['relatives']} 人（其中有电话 {r['relative_phones']} 人），"
        "字段包括姓名、关系、电话、务工地、住址。",
        f"- 帮扶记录：{r['contacts']} 条；活动照片 {r['photos']} 张，"
        f"心愿照片 {r['wish_photos']} 张，知情同意书扫描件 {r['consent_forms']} 份。",
        f"- 操作日志 {r['audit_events']} 条，访问记录 {r['view_events']} 条。",
        f"- 存放位置：{pack.database}；照片和扫描件在数据文件夹 {pack.data_dir}。",
        "", "各类信息的存放与保护方式：", "",
        *(f"- {what}：存于{where}；{how}。" for what, where, how in STORAGE),
    ]


def _basis(pack: AuditPack) -> list[str]:
    lines = ["## 二、处理依据与知情同意", "",
             "处理依据为监护人同意，或民政部门、学校的法定职责。在册儿童各用途的覆盖情况：", ""]
    for purpose in ConsentPurpose:
        counts = pack.consent[purpose]
        guardian = counts[ConsentBasis.guardian_consent.value]
        lines.append(f"- {purpose.zh}：监护人同意 {guardian} 人，"
                     f"法定职责 {counts[ConsentBasis.statutory_duty.value]} 人，"
                     f"缺少记录 {counts['missing']} 人。")
    return lines


def _roles(pack: AuditPack) -> list[str]:
    active = [a for a in pack.accounts if a.active]
    lines = ["## 三、账户、角色与数据范围", "",
             f"共 {len(pack.accounts)} 个账户，其中启用 {len(active)} 个：", ""]
    for account in active:
        last = f"，最近登录 {account.last_login:%Y-%m-%d}" if account.last_login else "，从未登录"
        lines.append(f"- {account.display_name}（{account.username}）：{account.role.zh}，"
                     f"范围 {account.scope}{last}。")
    return lines


def _access(pack: AuditPack) -> list[str]:
    lines = ["## 四、访问与导出", ""]
    for kind in ViewKind:
        events, rows = pack.viewed[kind]
        lines.append(f"- {VIEW_NAMES.get(kind, kind.zh)}：{events} 次，涉及 {rows} 人次。")
    e = pack.exports
    lines.append(f"- 带出系统的文件 {e['files']} 个（名单 {e['export']} 个、联系卡 "
                 f"{e['contact_cards']} 次、汇报文件 {e['report']} 个、备份下载 "
                 f"{e['backup_download']} 次），其中含姓名等敏感信息 {e['sensitive']} 个，"
                 f"加密保护 {e['protected']} 个。")
    lines += ["", f"需复核的访问模式 {len(pack.flagged)} 项："]
    lines += [f"- {f.day:%Y-%m-%d} {f.display_name}：{FLAG_NAMES.get(f.reason, f.reason)}"
              f"（{f.count}）。" for f in pack.flagged] or ["- 无。"]
    return lines


def _retention(pack: AuditPack) -> list[str]:
    r = pack.retention
    return ["## 五、保存期限与匿名化", "",
            f"- 本年度执行匿名化 {r['runs']} 次，共匿名化儿童档案 {r['children']} 份。",
            f"- 截至报告生成日，保存期限已到、尚待匿名化的档案 {r['due_now']} 份。"]


def _incidents(pack: AuditPack) -> list[str]:
    i = pack.incidents
    return ["## 六、安全事件", "",
            f"- 密码错误登录 {i['failed_logins']} 次，账户锁定 {i['lockouts']} 次，"
            f"以不存在的登录名尝试登录 {i['unknown_logins']} 次。",
            f"- 紧急查看辖区外儿童档案 {i['emergency']} 次，其中尚待管理员复核 "
            f"{i['emergency_pending']} 次；未找到儿童的紧急查看尝试 "
            f"{i['emergency_not_found']} 次。",
            "- 其他安全事件（如设备丢失、数据泄露）：请数据保护负责人补充。"]


def _protections(pack: AuditPack) -> list[str]:
    p = pack.protections
    return ["## 七、保护措施", "",
            f"- 加密：{p['encryption']}", f"- 备份：{p['backups']}", f"- 密码：{p['passwords']}",
            f"- 导出：{p['exports']}", f"- 保存期限：{p['retention']}",
            "", "数据保护负责人（签字）：", "", f"{pack.year + 1}年  月  日"]
