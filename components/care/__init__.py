"""帮扶记录 and 活动 on screen: the forms and lists, contact cards, 专项行动, the 待办 and
the care rules and activity kinds 管理 keeps.

May import components.common, components.resources and services.
"""
