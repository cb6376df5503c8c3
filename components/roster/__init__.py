"""儿童档案 and 帮扶人 on screen: the list, a child's page, the entry and edit forms, helpers,
and 复核.

May import components.common, components.care and components.pairing (a child's page shows
their contacts and pairing) and services.
"""
