"""Resources for children: 需求 (`needs`), 心愿 (`wishes`, `wish_queries`, `wish_drives`),
资源方 (`providers`), the 捐助台账 (`ledger`, `ledger_balance`, `ledger_reading`) and 问卷
(`surveys`, `survey_results`, `survey_answers`).

May import core, db, services.access, services.roster and services.care (activities that
hand out donations).
"""
