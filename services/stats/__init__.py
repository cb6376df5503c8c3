"""The figures: SQL aggregations computed once (`figures`, `stats_queries`) and shared by the
dashboard, 会议模式, the CLI and the reports; the figures written out (`stats_text`), charted
(`charts`), and small counts withheld (`small_cells`).

Reads every capability below it: core, db, services.access, roster, pairing, care, resources.
"""
