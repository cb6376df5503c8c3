"""儿童档案 and 帮扶人: children's records (`records`, `child_input`), search and filters
(`roster_search`, `roster_filter`, `pinyin`), helpers (`helpers`), archiving either of them
(`archiving`), 四色 risk (`risk`), the 成长档案 timeline, 复核 (`review`), and where a child is
counted (`home_unit`).

May import core, db and services.access; archiving a child ends its pairings
(`services.pairing.pairings`), and the roster filter asks whether a child is paired.
`home_unit` asks `services.stats.small_cells` which of a unit's counts to withhold.
"""
