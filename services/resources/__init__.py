"""Resources for children: 需求 (`needs`), 心愿 (`wishes`), 资源方 (`providers`),
the 捐助台账 (`ledger`) and 问卷 (`surveys`).

May import core, db, services.access, services.roster and services.care (activities that
hand out donations).
"""
