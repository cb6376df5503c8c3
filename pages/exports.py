"""导出: every list the app shows, filtered, as CSV or XLSX, with the columns chosen."""

from datetime import date

import streamlit as st

from components.exports_hub import render_exports_hub
from components.session import current_actor, lang
from services.i18n import t
from services.permissions import Capability

actor = current_actor(Capability.EXPORT)
current = lang()

st.title(t("nav.exports", current))
st.caption("选择名单、筛选条件和列，生成 CSV 或 Excel 文件。姓名、电话、身份证号和住址默认打码。")
render_exports_hub(actor, date.today(), current)
