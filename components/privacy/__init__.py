"""Privacy on screen: the view log in 管理 and 谁看过这份档案 on a child's page (`view_log`).

May import components.common and services.
"""
