"""Lists as CSV or XLSX files: the columns and masking (`tables`, `name_masking`), the list
of every export (`export_kinds`), and one module per list (`*_export`).

Reads the capabilities whose lists it writes; no other services package imports it (a
campaign's list of children not yet reached is `campaign_export`, here).
"""
