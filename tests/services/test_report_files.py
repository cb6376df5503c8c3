"""The draft as Markdown, DOCX and PDF: structure read back, Chinese text and fonts intact."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from pypdf import PdfReader

from services.errors import DomainError
from services.report_draft import HEADINGS
from services.report_files import (
    BODY_FONT,
    HEADING_FONT,
    REPORT_FORMATS,
    Block,
    blocks,
    markdown_bytes,
    markdown_to_docx,
    markdown_to_pdf,
    render,
    spans,
)
from services.stats_text import COMMA, STOP
from tests.conftest import require

TITLE = "平安县2026年秋季学期关爱服务工作总结"
FIGURE = f"平安县现有关爱对象17人{COMMA}其中留守儿童12人{STOP}"
DRAFT = "\n".join([
    f"# {TITLE}", "",
    *(line for heading in HEADINGS
      for line in (f"## {heading}", "", f"{FIGURE}本段说明{heading[2:]}。" * 6, "")),
    "### 重点工作", "- 结对率**88.9%**", "- 家访<30>人次 & 电访30人次", "",
])


def test_markdown_is_utf8() -> None:
    assert markdown_bytes(DRAFT).decode("utf-8") == DRAFT
    assert render(DRAFT, "md", title=TITLE) == DRAFT.encode("utf-8")


@pytest.mark.parametrize(("line", "block"), [
    ("# 标题", Block("title", "标题")),
    ("## 一、基本情况", Block("h1", "一、基本情况")),
    ("### 重点", Block("h2", "重点")),
    ("- 要点", Block("bullet", "要点")),
    ("* 要点", Block("bullet", "要点")),
    ("  正文一段。", Block("text", "正文一段。")),
    ("#没有空格", Block("text", "#没有空格")),
    ("1、存在问题", Block("text", "1、存在问题")),
])
def test_blocks(line: str, block: Block) -> None:
    assert list(blocks(f"\n{line}\n\n")) == [block]


def test_spans_split_bold() -> None:
    assert list(spans("结对率**88.9%**,较上期**提高**")) == [
        ("结对率", False), ("88.9%", True), (",较上期", False), ("提高", True)]


def _docx(text: str = DRAFT) -> DocxDocument:
    return Document(io.BytesIO(markdown_to_docx(text, title=TITLE)))


def test_docx_reads_back_with_title_headings_and_figures() -> None:
    document = _docx()
    paragraphs = document.paragraphs
    assert (paragraphs[0].style.name, paragraphs[0].text) == ("Title", TITLE)
    assert [p.text for p in paragraphs if p.style.name == "Heading 1"] == list(HEADINGS)
    assert [p.text for p in paragraphs if p.style.name == "Heading 2"] == ["重点工作"]
    assert [p.text for p in paragraphs if p.style.name == "List Bullet"] == [
        "结对率88.9%", "家访<30>人次 & 电访30人次"]
    body = "\n".join(p.text for p in paragraphs)
    assert FIGURE in body
    assert document.core_properties.title == TITLE


def test_docx_is_a4_with_chinese_fonts_on_styles_and_runs() -> None:
    document = _docx()
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == BODY_FONT
    assert document.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == HEADING_FONT
    runs = [run for p in document.paragraphs for run in p.runs]
    assert runs
    assert all(run.element.rPr.rFonts.get(qn("w:eastAsia")) in (BODY_FONT, HEADING_FONT)
               for run in runs)
    assert not any(run.element.rPr.rFonts.get(qn("w:eastAsiaTheme")) for run in runs)


def test_docx_bold_marks_become_bold_runs() -> None:
    bullet = next(p for p in _docx().paragraphs if p.text == "结对率88.9%")
    assert [(r.text, bool(r.bold)) for r in bullet.runs] == [("结对率", False), ("88.9%", True)]


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_text_holds_the_chinese_figures_and_page_numbers() -> None:
    reader, text = _pdf_text(markdown_to_pdf(DRAFT, title=TITLE))
    flat = text.replace("\n", "").replace(" ", "")
    assert TITLE in flat
    assert "留守儿童12人" in flat
    assert all(heading in flat for heading in HEADINGS)
    assert "家访<30>人次&电访30人次" in flat  # markup characters escaped, not swallowed
    assert len(reader.pages) >= 2
    assert "第2页" in flat
    assert reader.metadata.title == TITLE


def test_empty_text_still_gives_a_pdf() -> None:
    reader, _ = _pdf_text(markdown_to_pdf("", title=TITLE))
    assert len(reader.pages) == 1


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_render_each_format(fmt: str) -> None:
    data = render(DRAFT, fmt, title=TITLE)
    magic = {"md": b"# ", "docx": b"PK", "pdf": b"%PDF"}[fmt]
    assert data.startswith(magic)


def test_render_refuses_an_unknown_format() -> None:
    with pytest.raises(DomainError):
        render(DRAFT, "xlsx", title=TITLE)


def test_libreoffice_renders_the_docx(tmp_path: Path) -> None:
    """What a coordinator without Word sees: LibreOffice turns the DOCX into readable pages."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    require(office is not None, "LibreOffice (with Writer) is not installed")
    source = tmp_path / "report.docx"
    source.write_bytes(markdown_to_docx(DRAFT, title=TITLE))
    profile = f"file:///tmp/lo_{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [office, "--headless", f"-env:UserInstallation={profile}", "--convert-to", "pdf",
             "--outdir", str(tmp_path), str(source)],
            check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile.removeprefix("file://"), ignore_errors=True)
    converted = tmp_path / "report.pdf"
    require(converted.exists(), "LibreOffice could not load the DOCX (is Writer installed?)")
    reader, text = _pdf_text(converted.read_bytes())
    assert len(reader.pages) >= 1
    flat = text.replace("\n", "").replace(" ", "")
    assert TITLE in flat
    assert "留守儿童12人" in flat
