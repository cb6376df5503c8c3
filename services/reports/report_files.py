"""The edited 活动总结 as a file: Markdown (`report_markdown`), DOCX (python-docx, `report_docx`)
or PDF (reportlab, `report_pdf`), by its format (`render`).

Only the Markdown the draft uses is understood: "# " title, "## "/"### " headings, "- " bullets,
**bold**, plain paragraphs (one per line) and the 落款 (a short line with the unit, then a line
with only the date "2026年11月28日"), which both files set right-aligned at the end.

Both files are laid out the way a 公文 is: a centred title in 小标宋, headings in 黑体, the body
in 仿宋, page numbers "— 1 —" in the footer. DOCX names an East Asian font (w:eastAsia) beside
the Latin one, since Word and WPS otherwise fall back to a font without CJK glyphs, and its font
table gives Noto CJK (fonts-noto-cjk) as the alternative where those fonts are missing. The PDF
embeds Noto Serif/Sans CJK SC, subset to the document's characters and converted from CFF to
TrueType outlines (fontTools), since reportlab embeds TrueType only; without the font files or
fontTools it warns and falls back to the STSong-Light CID font the reader must supply.
"""

from __future__ import annotations

from core.errors import DomainError
from services.reports.report_docx import markdown_to_docx
from services.reports.report_markdown import markdown_bytes
from services.reports.report_pdf import markdown_to_pdf

REPORT_FORMATS = ("md", "docx", "pdf")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def render(text: str, fmt: str, *, title: str) -> bytes:
    """The draft in one of REPORT_FORMATS."""
    if fmt == "md":
        return markdown_bytes(text)
    if fmt == "docx":
        return markdown_to_docx(text, title=title)
    if fmt == "pdf":
        return markdown_to_pdf(text, title=title)
    raise DomainError.of("errors.report.format_plain", fmt=fmt)
