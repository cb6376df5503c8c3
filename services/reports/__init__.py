"""The 活动总结: the draft (`report_draft`), the edited text as Markdown, DOCX or PDF
(`report_files`: read by `report_markdown`, written by `report_docx` and `report_pdf`), the
meeting deck (`deck`, its text and shapes in `deck_text`) and the command line's report
(`reporting`).

May import anything in services/ below it, chiefly services.stats; nothing imports it but
components/, pages/ and cli.py.
"""
