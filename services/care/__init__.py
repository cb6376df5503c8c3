"""The care itself: 帮扶记录 (`contacts`, `contact_cards`), 活动 (`activities`,
`activity_checks`, `activity_queries`, `activity_kinds`, `photos`), 帮扶要求 and the 待办
(`care_rules`, `compliance`, `compliance_counts`, `todo`, `terms`) and 专项行动 (`campaigns`,
`campaign_queries`; its list of children not yet reached is `services.exports.campaign_export`).

May import core, db, services.access and services.roster.
"""
