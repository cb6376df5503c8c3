"""Lists as CSV or XLSX files: the columns and masking (`tables`, `name_masking`), the list
of every export (`export_kinds`), and one module per list (`*_export`).

Reads the capabilities whose lists it writes; only services.care.campaigns imports it back
(a campaign's list is written with the same tables).
"""
