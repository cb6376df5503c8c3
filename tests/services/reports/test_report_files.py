"""The draft as Markdown, DOCX and PDF: structure read back, Chinese text and fonts intact."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import RGBColor
from pypdf import PdfReader

from core.errors import DomainError
from services.reports.report_docx import (
    BODY_FONT,
    HEADING_FONT,
    SIGN_STYLE,
    TITLE_FONT,
    TITLE_STYLE,
    markdown_to_docx,
)
from services.reports.report_draft import HEADINGS
from services.reports.report_files import REPORT_FORMATS, render
from services.reports.report_markdown import Block, blocks, markdown_bytes, spans
from services.reports.report_pdf import CID_FONT, PDF_FACES, font_file, markdown_to_pdf
from services.stats.stats_words import COMMA, STOP
from tests.conftest import IN_CI, require

TITLE = "平安县2026年秋季学期关爱服务工作总结"
FIGURE = f"平安县现有关爱对象17人{COMMA}其中留守儿童12人{STOP}"
DRAFT = "\n".join([
    f"# {TITLE}", "",
    *(line for heading in HEADINGS
      for line in (f"## {heading}", "", f"{FIGURE}本段说明{heading[2:]}。" * 6, "")),
    "### 重点工作", "- 结对率**88.9%**", "- 家访<30>人次 & 电访30人次", "",
    "平安县民政局", "2026年11月28日", "",
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
    ("2026年11月28日", Block("sign", "2026年11月28日")),
])
def test_blocks(line: str, block: Block) -> None:
    assert list(blocks(f"\n{line}\n\n")) == [block]


def test_the_unit_before_the_date_is_the_signature_but_a_sentence_is_not() -> None:
    assert [b.kind for b in blocks("正文。\n\n平安县民政局\n2026年1月5日")] == [
        "text", "sign", "sign"]
    assert [b.kind for b in blocks("截至2026年1月5日，共有17人。\n2026年1月5日")] == [
        "text", "sign"]
    assert [b.kind for b in blocks("见2026年1月5日通知")] == ["text"]


def test_spans_split_bold() -> None:
    assert list(spans("结对率**88.9%**,较上期**提高**")) == [
        ("结对率", False), ("88.9%", True), (",较上期", False), ("提高", True)]


def _docx(text: str = DRAFT) -> DocxDocument:
    return Document(io.BytesIO(markdown_to_docx(text, title=TITLE)))


def test_docx_reads_back_with_title_headings_and_figures() -> None:
    document = _docx()
    paragraphs = document.paragraphs
    assert (paragraphs[0].style.name, paragraphs[0].text) == (TITLE_STYLE, TITLE)
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
    assert all(run.element.rPr.rFonts.get(qn("w:eastAsia"))
               in (BODY_FONT, HEADING_FONT, TITLE_FONT) for run in runs)
    assert not any(run.element.rPr.rFonts.get(qn("w:eastAsiaTheme")) for run in runs)


def test_docx_is_set_as_a_gongwen_not_in_words_blue_title() -> None:
    """小标宋 title centred, 黑体 headings, 仿宋 body, all black; Word's "Title" never used."""
    document = _docx()
    title = document.paragraphs[0]
    assert title.style.name != "Title" and title.alignment in (None, 1)
    style = document.styles[TITLE_STYLE]
    assert style.paragraph_format.alignment == 1  # centred
    assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    assert style.font.size.pt == 22
    assert style.element.find(qn("w:pPr")).find(qn("w:pBdr")) is None  # no blue rule
    for name, font in (("Heading 1", HEADING_FONT), ("Heading 2", BODY_FONT),
                       ("Normal", BODY_FONT)):
        heading = document.styles[name]
        assert heading.element.rPr.rFonts.get(qn("w:eastAsia")) == font
        assert heading.font.color.rgb in (None, RGBColor(0, 0, 0))
    assert document.styles["Heading 1"].paragraph_format.keep_with_next
    assert not any(p.style.name == "Title" for p in document.paragraphs)


def test_docx_font_table_offers_noto_cjk_in_place_of_the_gongwen_faces() -> None:
    data = markdown_to_docx(DRAFT, title=TITLE)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        table = package.read("word/fontTable.xml").decode()
    for font in (TITLE_FONT, HEADING_FONT, BODY_FONT):
        assert f'w:name="{font}"' in table
    assert 'w:val="Noto Serif CJK SC"' in table and 'w:val="Noto Sans CJK SC"' in table


def test_docx_footer_numbers_every_page() -> None:
    footer = _docx().sections[0].footer
    xml = footer._element.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml and "—" in footer.paragraphs[0].text


def test_docx_ends_with_the_unit_and_date_right_aligned() -> None:
    last = _docx().paragraphs[-2:]
    assert [p.text for p in last] == ["平安县民政局", "2026年11月28日"]
    assert all(p.style.name == SIGN_STYLE for p in last)
    assert all(p.style.paragraph_format.alignment == 2 for p in last)  # right


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
    assert "—2—" in flat
    assert "平安县民政局2026年11月28日" in flat
    assert reader.metadata.title == TITLE


def _fonts(reader: PdfReader) -> list[dict]:
    """Every font dictionary the pages use, descendants of Type0 fonts included."""
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            found.append(font)
            found += [d.get_object() for d in font.get("/DescendantFonts", [])]
    return found


def _require_embeddable() -> None:
    have = all(font_file(name) for name in PDF_FACES.values())
    require(have, "fonts-noto-cjk is not installed")
    try:
        import fontTools  # noqa: F401
    except ImportError:
        require(False, "fontTools is not installed")


def test_pdf_embeds_its_cjk_fonts_and_uses_no_reader_supplied_font() -> None:
    _require_embeddable()
    reader = PdfReader(io.BytesIO(markdown_to_pdf(DRAFT, title=TITLE)))
    fonts = _fonts(reader)
    names = {str(f["/BaseFont"]) for f in fonts}
    assert not any(CID_FONT in name or "Helvetica" in name for name in names), names
    described = [f["/FontDescriptor"].get_object() for f in fonts if "/FontDescriptor" in f]
    assert described
    assert all("/FontFile2" in d or "/FontFile3" in d for d in described), names
    assert any("NotoSerifCJK" in name for name in names)
    assert any("NotoSansCJK" in name and "Bold" in name for name in names)  # 黑体 headings


def test_pdf_headings_are_bold_and_never_left_at_a_page_foot() -> None:
    """Each heading is drawn in a bold face, and the next line follows it on the same page."""
    _require_embeddable()
    filler = "\n".join(f"第{i}段正文。" * 20 for i in range(30))
    text = f"# {TITLE}\n" + "\n".join(f"## 标题{i}\n{filler}" if i == 0 else
                                       f"## 标题{i}\n短段。" for i in range(40))
    reader = PdfReader(io.BytesIO(markdown_to_pdf(text, title=TITLE)))
    assert len(reader.pages) > 3
    for page in reader.pages:
        lines = [line for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("—")]
        assert not body[-1].startswith("标题"), body[-3:]  # a heading is never a page's last line

    def heading_font(page) -> set[str]:
        used: set[str] = set()

        def visit(text, cm, tm, font, size) -> None:
            if text.strip().startswith("标题") and font:
                used.add(str(font["/BaseFont"]))

        page.extract_text(visitor_text=visit)
        return used

    assert all("Bold" in name for page in reader.pages for name in heading_font(page))


def test_missing_fonts_fall_back_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a laptop without fonts-noto-cjk the PDF is still made, in the reader's CID font."""
    monkeypatch.setattr("services.reports.report_pdf.FONT_DIRS", (Path("/nonexistent"),))
    with pytest.warns(RuntimeWarning, match="fonts-noto-cjk"):
        reader, text = _pdf_text(markdown_to_pdf(DRAFT, title=TITLE))
    assert TITLE in text.replace("\n", "").replace(" ", "")
    assert any(CID_FONT in str(f["/BaseFont"]) for f in _fonts(reader))


def test_ci_has_what_the_pdf_embeds() -> None:
    if IN_CI:
        _require_embeddable()


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
