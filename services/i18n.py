"""The UI's label catalogue: Simplified Chinese first, English as the second language."""

from __future__ import annotations

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

# key: (中文, English). Format fields in braces are filled by `t(key, **values)`.
LABELS: dict[str, tuple[str, str]] = {
    "app.name": ("守望", "Shouwang"),
    "app.subtitle": ("留守困境儿童关爱服务", "Care for left-behind and disadvantaged children"),
    "app.tagline": ("档案、结对、帮扶记录和活动统计,一处管理。",
                    "Records, pairings, care contacts and activity figures in one place."),
    "nav.home": ("总览", "Overview"),
    "nav.meeting": ("会议模式", "Meeting mode"),
    "nav.admin": ("管理", "Administration"),
    "nav.roster": ("儿童档案", "Children"),
    "nav.pairing": ("结对帮扶", "Pairing"),
    "nav.my_pairings": ("我的结对", "My children"),
    "nav.contacts": ("帮扶记录", "Care contacts"),
    "nav.activities": ("活动", "Activities"),
    "nav.resources": ("需求与资源", "Needs and resources"),
    "nav.reports": ("汇报", "Reports"),
    "nav.exports": ("导出", "Exports"),
    "roster.tab.list": ("名单", "List"),
    "roster.tab.entry": ("录入", "Add a child"),
    "roster.tab.import": ("导入", "Import"),
    "roster.tab.review": ("复核", "Review"),
    "nav.account": ("我的账户", "My account"),
    "nav.section.work": ("工作", "Work"),
    "nav.section.system": ("系统", "System"),
    "login.form": ("登录", "Log in"),
    "login.username": ("登录名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.wrong": ("登录名或密码错误,请重新输入。", "Wrong username or password."),
    "login.locked": ("连续多次密码错误,账户已锁定 {minutes} 分钟;如需立即解锁请联系管理员。",
                     "Too many failed attempts: the account is locked for {minutes} minutes."),
    "login.inactive": ("此账户已停用,请联系管理员。", "This account has been deactivated."),
    "login.revoked": ("您的密码、角色或管理范围已变更\uff0c请重新登录。",
                      "Your password, role or scope changed: please log in again."),
    "login.demo_hint": ("演示模式:启动命令已在终端打印演示账户。",
                        "Demo mode: the demo logins were printed in the terminal."),
    "login.must_change": ("管理员重置了您的密码,请在“我的账户”中设置新密码。",
                          "Your password was reset: please set a new one under My account."),
    "sidebar.logout": ("退出登录", "Log out"),
    "sidebar.role": ("角色", "Role"),
    "sidebar.scope": ("范围", "Scope"),
    "sidebar.whole": ("全部", "Everything"),
    "sidebar.language": ("语言", "Language"),
    "home.heading": ("您好,{name}", "Hello, {name}"),
    "home.scope": ("您的范围:{scope}", "Your scope: {scope}"),
    "home.children": ("在册儿童", "Children on roll"),
    "home.helpers": ("帮扶人", "Helpers"),
    "home.pairings": ("结对", "Pairings"),
    "home.coverage": ("结对覆盖率", "Pairing coverage"),
    "home.empty": ("这里还没有儿童档案。管理员可以在“管理”页导入组织机构,或在终端运行 "
                   "`python cli.py seed --scale demo` 生成演示数据。",
                   "No records yet. Import org units under Administration, or run "
                   "`python cli.py seed --scale demo` for demo data."),
    "home.helper_note": ("您看到的是与您结对的儿童。", "You see the children paired with you."),
    "dash.children": ("关爱儿童", "Children"),
    "dash.enrolled": ("占在籍学生", "Share of enrolled"),
    "dash.enrolled_help": ("填写学校的在籍学生数后显示",
                           "Shown once schools' enrolment is entered"),
    "dash.coverage": ("结对率", "Paired"),
    "dash.coverage_help": ("已结对 {paired} 人,未结对 {unpaired} 人",
                           "{paired} paired, {unpaired} not yet"),
    "dash.my_children": ("我结对的儿童", "My children"),
    "dash.contacts": ("{when}帮扶记录", "Contacts ({when})"),
    "dash.activities": ("{when}活动", "Activities ({when})"),
    "dash.person_times": ("{when}服务", "Person-times ({when})"),
    "dash.open_needs": ("待解决需求", "Open needs"),
    "dash.overdue": ("逾期待办", "Overdue to-dos"),
    "home.viewer_note": ("查看者只看到汇总数字,不显示儿童姓名和联系方式。",
                         "Viewers see aggregated figures only, never names or phone numbers."),
    "admin.title": ("管理", "Administration"),
    "admin.tab.users": ("用户", "Users"),
    "admin.tab.orgs": ("组织机构", "Org units"),
    "admin.tab.import": ("导入组织机构", "Import org units"),
    "admin.tab.audit": ("操作日志", "Audit log"),
    "account.title": ("我的账户", "My account"),
    "account.change_password": ("修改密码", "Change password"),
    "account.old_password": ("原密码", "Current password"),
    "account.new_password": ("新密码", "New password"),
    "account.repeat_password": ("再次输入新密码", "Repeat new password"),
    "account.password_rules": ("至少8位,须同时包含字母和数字;最多72字节(约24个汉字)。",
                               "At least 8 characters with letters and digits; 72 bytes at most."),
    "account.mismatch": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "account.changed": ("密码已修改。", "Password changed."),
    "common.all_scope": ("全部(不限范围)", "Everything (no limit)"),
    "common.no_parent": ("(无上级)", "(no parent)"),
    "users.col.username": ("登录名", "Username"),
    "users.col.name": ("姓名", "Name"),
    "users.col.role": ("角色", "Role"),
    "users.col.scope": ("范围", "Scope"),
    "users.col.status": ("状态", "Status"),
    "users.col.last_login": ("最近登录", "Last login"),
    "users.active": ("启用", "Active"),
    "users.inactive": ("已停用", "Deactivated"),
    "users.create": ("新建用户", "New user"),
    "users.username_help": ("2–32位小写字母、数字、汉字或 _ . -",
                            "2–32 lower-case letters, digits, Chinese characters or _ . -"),
    "users.scope": ("管辖范围", "Scope"),
    "users.initial_password": ("初始密码", "Initial password"),
    "users.first_login": ("新用户首次登录后应修改密码。",
                          "New users are asked to change it at first login."),
    "users.create_submit": ("创建用户", "Create user"),
    "users.created": ("已创建用户“{username}”。", "User “{username}” created."),
    "users.edit": ("修改用户", "Change a user"),
    "users.pick": ("选择用户", "User"),
    "users.save_role": ("保存角色和范围", "Save role and scope"),
    "users.role_saved": ("已保存角色和范围。", "Role and scope saved."),
    "users.deactivate": ("停用此用户", "Deactivate this user"),
    "users.reactivate": ("重新启用此用户", "Reactivate this user"),
    "users.deactivated": ("已停用,该用户下次操作时将被退出登录。",
                          "Deactivated: the user is logged out at their next action."),
    "users.reactivated": ("已启用。", "Reactivated."),
    "users.temp_password": ("新的临时密码", "New temporary password"),
    "users.reset": ("重置密码", "Reset password"),
    "users.reset_done": ("已重置密码并解除锁定;该用户登录后需修改密码。",
                         "Password reset and account unlocked; the user must change it."),
    "orgs.col.unit": ("单位", "Unit"),
    "orgs.col.kind": ("类型", "Kind"),
    "orgs.col.mountain": ("山区", "Mountain area"),
    "orgs.col.enrolled": ("在籍学生数", "Enrolled students"),
    "orgs.yes": ("是", "yes"),
    "orgs.empty": ("还没有组织机构。请在下方逐个新增,或在“导入组织机构”中上传县、乡镇、村"
                   "和学校的名单。",
                   "No org units yet: add them below, or upload a list under Import org units."),
    "orgs.create": ("新增单位", "New unit"),
    "orgs.name": ("名称", "Name"),
    "orgs.kind": ("类型", "Kind"),
    "orgs.parent": ("上级", "Parent"),
    "orgs.mountain": ("山区", "Mountain area"),
    "orgs.enrolled_for_school": ("在籍学生数(学校填写)", "Enrolled students (schools)"),
    "orgs.create_submit": ("新增", "Add"),
    "orgs.created": ("已新增“{name}”。", "“{name}” added."),
    "orgs.edit": ("修改或归档单位", "Change or archive a unit"),
    "orgs.pick": ("选择单位", "Unit"),
    "orgs.save": ("保存修改", "Save changes"),
    "orgs.archive_reason": ("归档原因", "Reason for archiving"),
    "orgs.archive_placeholder": ("如:撤并、更名", "e.g. merged, renamed"),
    "orgs.archive": ("归档此单位", "Archive this unit"),
    "orgs.archived": ("已归档“{name}”。", "“{name}” archived."),
    "import.help.orgs": ("列:**名称**、**类型**(县/乡镇/街道/村/社区/学校)、上级、是否山区(是/否)、"
                         "在籍学生数。上级可以写在后面的行里;已有的单位会按新值更新。",
                         "Columns: **名称**, **类型** (县/乡镇/街道/村/社区/学校), 上级, 是否山区 "
                         "(是/否), 在籍学生数. A parent may come later in the file; existing units "
                         "are updated."),
    "import.help.helpers": ("列:**姓名**、**类型**(班主任/教师/志愿者/爱心家长/结对同学/"
                            "社工/儿童主任/其他)、单位、电话、可结对人数(空白为2)。单位是系统中的乡镇、村或学校时,"
                            "帮扶人归入该单位;同名同单位的帮扶人按表格更新。结对同学另需性别、"
                            "出生日期、学校(可加班级)。",
                            "Columns: **姓名**, **类型**, 单位, 电话, 可结对人数 (blank: 2). When "
                            "单位 names an org unit the helper belongs to it; a helper with the "
                            "same name and unit is updated."),
    "import.help.pairings": ("列:**儿童姓名**、儿童出生日期或儿童身份证号、**帮扶人姓名**、开始日期"
                             "(空白为今天)。同名儿童须填出生日期或身份证号,同名帮扶人可加"
                             "帮扶人单位或帮扶人电话;超出可结对人数、"
                             "结对同学年龄或性别不符的行会被指出,整份文件不写入。",
                             "Columns: **儿童姓名**, 儿童出生日期 or 儿童身份证号, **帮扶人姓名**, "
                             "开始日期 (blank: today). Rows over capacity or breaking the "
                             "peer-student rules are reported and nothing is written."),
    "import.help.activities": ("列:**名称**、**类型**、**日期**、地点、场次(空白为1)、人次(合计,"
                               "含参加儿童)、参加儿童(姓名用、分隔,同名写 张小明(2015-03-02))、"
                               "捐助金额(元)、捐助物资、资源方、单位(空白为本人单位)、备注。"
                               "新的资源方会自动建立;类型、名称、日期和单位都相同的活动视为已导入。",
                               "Columns: 名称, 类型, 日期, 地点, 场次, 人次 (total incl. "
                               "children), 参加儿童 (names separated by 、), 捐助金额(元), "
                               "捐助物资, 资源方, 单位, 备注."),
    "import.help.contacts": ("列:**儿童姓名**、儿童出生日期或儿童身份证号、**帮扶人姓名**、**方式**"
                             "(家访/电访/谈心/亲情电话/书信/学业辅导/心理辅导/体检/送物资)、"
                             "**日期**、时长(分钟)、记录;可选:帮扶人单位、帮扶人电话、需跟进(是/否)、"
                             "跟进日期。同一儿童、帮扶人、方式和日期的记录不会重复导入;"
                             "任一行有误,整份文件不写入。",
                             "Columns: **儿童姓名**, 儿童出生日期 or 儿童身份证号, **帮扶人姓名**, "
                             "**方式**, **日期**, 时长(分钟), 记录; optional 帮扶人单位, "
                             "帮扶人电话, 需跟进, 跟进日期. A contact already recorded is not "
                             "imported twice; any bad row means nothing is written."),
    "import.help.roster": ("列见模板;**姓名**、**性别**、**出生日期**、**儿童类别**、"
                           "**乡镇(街道)**、**村(社区)**必填。已有儿童(身份证号相同,或姓名、出生日期和村相同)"
                           "会按表格更新,检查后先列出每人将改动的内容;新的乡镇、村和学校会自动建立。",
                           "See the template; 姓名, 性别, 出生日期, 儿童类别, 乡镇(街道) and "
                           "村(社区) are required. Known children are updated, and the check "
                           "lists every change first; new towns, villages and schools are added."),
    "import.template": ("下载导入模板(CSV)", "Download the template (CSV)"),
    "import.upload": ("选择 CSV 或 Excel 文件", "Choose a CSV or Excel file"),
    "import.hint": ("上传后先检查:全部行无误才会导入,有错误的文件一行也不会写入。",
                    "Check first: a file is imported only when every row is right; a file "
                    "with errors writes nothing."),
    "import.check": ("检查文件", "Check the file"),
    "import.history": ("导入记录", "Import history"),
    "import.commit": ("确认导入", "Import"),
    "import.checking": ("正在检查…", "Checking…"),
    "import.importing": ("正在导入…", "Importing…"),
    "import.done": ("导入完成。{summary}", "Imported. {summary}"),
    "import.ok": ("检查通过。{summary}", "The file is fine. {summary}"),
    "import.errors_cut": ("下表只列出前{shown}处\uff0c请先改正这些再重新上传。",
                          "Only the first {shown} are listed."),
    "import.errors": ("发现{count}处问题,文件未导入。请按下表修改后重新上传:",
                      "{count} problems found; nothing was imported. Fix them and upload again:"),
    "import.col.row": ("行号", "Row"),
    "import.col.column": ("列", "Column"),
    "import.col.reason": ("原因", "Reason"),
    "import.col.record": ("记录", "Record"),
    "import.col.before": ("原值", "Before"),
    "import.col.after": ("新值", "After"),
    "audit.empty": ("还没有操作记录。", "No changes recorded yet."),
    "audit.col.at": ("时间(UTC)", "Time (UTC)"),
    "audit.col.user": ("用户", "User"),
    "audit.col.action": ("操作", "Action"),
    "audit.col.entity": ("对象", "Record"),
    "audit.col.summary": ("说明", "Summary"),
    "audit.col.changes": ("变化", "Changes"),
    "audit.action.create": ("新建", "created"),
    "audit.action.update": ("修改", "changed"),
    "audit.action.archive": ("归档", "archived"),
    "audit.action.import": ("导入", "imported"),
    "audit.action.restore": ("恢复", "restored"),
    "audit.action.assess": ("风险评估", "risk assessed"),
    "audit.action.review": ("复核", "reviewed"),
    "audit.action.export_sensitive": ("导出敏感信息", "exported sensitive data"),
    "audit.action.export": ("导出", "exported"),
    "audit.action.contact_cards": ("生成联系卡", "made contact cards"),
    "audit.action.report": ("生成汇报", "generated report"),
    "audit.action.import_dry_run": ("试导入", "dry-run import"),
    "audit.action.import_refused": ("导入被拒", "import refused"),
    "audit.action.backup": ("备份", "backed up"),
    "audit.action.backup_pre_restore": ("恢复前备份", "backed up before restore"),
    "audit.action.backup_download": ("下载备份", "downloaded backup"),
    "audit.action.stats": ("查看统计", "viewed statistics"),
    "audit.action.init": ("升级数据库结构", "schema upgraded"),
    "audit.action.export_refused": ("导出被拒", "export refused"),
    "audit.action.stats_refused": ("统计被拒", "statistics refused"),
    "audit.action.report_refused": ("汇报被拒", "report refused"),
    "audit.action.user_refused": ("建用户被拒", "user creation refused"),
    "audit.action.backup_refused": ("备份被拒", "backup refused"),
    "audit.action.restore_refused": ("恢复被拒", "restore refused"),
    "audit.entity.statistics": ("统计数字", "statistics"),
    "audit.entity.report": ("汇报", "report"),
    "audit.entity.child": ("儿童档案", "child"),
    "audit.entity.roster": ("儿童名单", "roster"),
    "audit.action.seed": ("生成演示数据", "seeded demo data"),
    "audit.action.login": ("登录", "logged in"),
    "audit.action.logout": ("退出登录", "logged out"),
    "audit.action.login_failed": ("密码错误", "wrong password"),
    "audit.action.lock": ("账户锁定", "account locked"),
    "audit.action.reset_password": ("重置密码", "password reset"),
    "audit.action.change_password": ("修改密码", "password changed"),
    "audit.entity.user": ("用户", "user"),
    "audit.entity.org_unit": ("单位", "org unit"),
    "audit.entity.orgs": ("组织机构", "org units"),
    "audit.entity.database": ("数据库", "database"),
    "audit.entity.helper": ("帮扶人", "helper"),
    "audit.entity.helpers": ("帮扶人名单", "helpers"),
    "audit.entity.pairing": ("结对", "pairing"),
    "audit.entity.pairings": ("结对名单", "pairings"),
    "audit.entity.unpaired": ("未结对儿童名单", "unpaired children"),
    "audit.action.end": ("结束结对", "ended"),
    "audit.action.correct": ("更正", "corrected"),
    "audit.entity.care_rule": ("帮扶要求", "care rule"),
    "audit.entity.todo": ("待办清单", "to-do list"),
    "audit.entity.no_contact": ("本月未联系儿童名单", "children without contact this month"),
    "audit.entity.care_contact": ("帮扶记录", "care contact"),
    "audit.entity.contacts": ("帮扶记录", "care contacts"),
    "audit.entity.activity": ("活动", "activity"),
    "audit.entity.activities": ("活动名单", "activities"),
    "audit.entity.attendance": ("活动参加名单", "attendance"),
    "audit.entity.activity_kind": ("活动类型", "activity kind"),
    "audit.entity.campaign": ("专项行动", "campaign"),
    "audit.entity.campaign_gaps": ("专项行动未覆盖名单", "campaign gaps"),
    "common.save": ("保存", "Save"),
    "common.saved": ("已保存。", "Saved."),
    "common.none": ("无", "None"),
    "error.database": ("数据库无法使用", "The database cannot be used"),
    "error.config": ("配置有误", "Configuration problem"),
    "error.not_saved": ("未保存\uff1a某一项内容超出了允许的长度或格式\uff0c"
                        "本次操作没有写入任何内容。请核对后重试。",
                        "Not saved: a value is too long or malformed; nothing was written."),
    "error.conflict": ("未保存\uff1a这条记录刚刚被其他人修改或录入过\uff0c"
                       "本次操作没有写入任何内容。请刷新页面后重试。",
                       "Not saved: someone else just changed this record; nothing was written."),
    "error.forbidden": ("您的角色不能打开此页面。", "Your role cannot open this page."),
}


def t_or_code(prefix: str, code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of a stored code such as an audit action, or the code itself when unlabelled."""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in LABELS else code


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """Return the label for `key` in `lang`, falling back to Chinese, then to the key itself."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text
