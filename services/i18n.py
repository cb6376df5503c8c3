"""The UI's label catalogue: Simplified Chinese first, English as the second language."""

from __future__ import annotations

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

# key: (中文, English). Format fields in braces are filled by `t(key, **values)`.
LABELS: dict[str, tuple[str, str]] = {
    "app.title": ("守望 · 留守困境儿童关爱服务", "Shouwang · care for left-behind children"),
    "app.tagline": ("档案、结对、帮扶记录和活动统计,一处管理。",
                    "Records, pairings, care contacts and activity figures in one place."),
    "nav.home": ("首页", "Home"),
    "nav.admin": ("管理", "Administration"),
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
    "common.save": ("保存", "Save"),
    "common.saved": ("已保存。", "Saved."),
    "common.none": ("无", "None"),
    "error.database": ("数据库无法使用", "The database cannot be used"),
    "error.config": ("配置有误", "Configuration problem"),
    "error.forbidden": ("您的角色不能打开此页面。", "Your role cannot open this page."),
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """Return the label for `key` in `lang`, falling back to Chinese, then to the key itself."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text
