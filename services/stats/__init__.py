"""The figures: SQL aggregations computed once (`figures`, `stats_queries`) and shared by the
dashboard, 会议模式, the CLI and the reports, with the 首页's quick counts (`headline_counts`); the
figures written out (`stats_text`: the sections from `children_sections` and `work_sections`,
through `section_view`, in the words of `stats_words`), charted (`charts`), and small counts
withheld (`small_cells`).

Reads every capability below it: core, db, services.access, roster, pairing, care, resources.
"""
