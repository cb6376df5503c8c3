"""The meeting deck: 16:9 slides, a chart per section, photos, East Asian fonts, no names."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import ConsentBasis, ConsentPurpose, Role
from db.engine import make_engine
from db.models import Activity, Attendance, Child, Consent, OrgUnit
from services.access.permissions import Actor
from services.care import photos
from services.privacy.consent import withdraw_consent
from services.reports.deck import build_deck, deck_filename
from services.reports.deck_text import tidy as _tidy
from services.stats import small_cells
from services.stats.charts import section_chart
from services.stats.figures import StatsScope, compute
from services.stats.stats_text import sections
from services.stats.stats_words import CLOSE, OPEN, Section
from tests.conftest import TEST_DATABASE_URL, _reset_postgres, require
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import ADMIN, TODAY, make_child_in, make_places, make_relative

SCOPE = StatsScope(date(2026, 9, 1), TODAY)
NAMES = ("欧阳测名甲", "司马测名乙", "诸葛测名丙")
PHONE, ID_NUMBER = "13912345678", "52262720150301123X"
SECTION_SLIDES = slice(1, 11)


@dataclass
class Built:
    data: bytes
    progress: list[tuple[float, str]]
    sections: list[Section]


def _png(size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 140, 90)).save(buffer, "PNG")
    return buffer.getvalue()


OTHERS = tuple(f"补充测名{c}" for c in "甲乙丙丁戊己庚辛壬")


def _populate(session, data_dir: Path) -> None:
    """A county with twelve children (five paired; one with a phone and ID number; three named
    in the leak checks) and an activity of the term with a photo whose caption names a child.
    Twelve, so that the deck's small-number suppression leaves its sections to show."""
    places = make_places(session)
    first = make_child_in(session, places.village, NAMES[0], id_number=ID_NUMBER)
    second = make_child_in(session, places.village, NAMES[1])
    make_child_in(session, places.other_village, NAMES[2])
    others = [make_child_in(session, places.village, name) for name in OTHERS]
    make_relative(session, first, name="欧阳测亲属", phone=PHONE)
    helper = make_helper(session, org_unit=places.town, name="李测帮扶")
    for child in (first, second, *others[:3]):
        make_pairing(session, child, helper)
    activity = Activity(kind="safety_education", title="防溺水讲座", held_on=date(2026, 10, 12),
                        org_unit_id=places.school.id)
    session.add(activity)
    session.flush()
    session.add(Attendance(activity_id=activity.id, child_id=first.id))
    # The one child who attended may be photographed (a photo does not say who is in it).
    session.add(Consent(child_id=first.id, purpose=ConsentPurpose.photos,
                        basis=ConsentBasis.guardian_consent, given_by="监护人", given_on=TODAY))
    photos.save_photo(session, actor=ADMIN, activity_id=activity.id, filename="合影.png",
                      data=_png(), caption=f"{NAMES[0]}在讲座上", data_dir=data_dir)
    session.commit()


@pytest.fixture
def county(session, tmp_path) -> Path:
    _populate(session, tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture(scope="module")
def built(_database_template, tmp_path_factory) -> Built:
    """One deck for the read-back tests (its charts are the slow part), on a database of its own."""
    folder = tmp_path_factory.mktemp("deck")
    if isinstance(_database_template, Path):
        shutil.copy(_database_template, folder / "deck.db")
        url = f"sqlite:///{folder / 'deck.db'}"
    else:
        template_engine, builtin = _database_template
        _reset_postgres(template_engine, builtin)
        url = TEST_DATABASE_URL
    engine = make_engine(url)
    steps: list[tuple[float, str]] = []
    try:
        with Session(engine, expire_on_commit=False) as session:
            _populate(session, folder / "data")
            stats = compute(session, ADMIN, SCOPE, today=TODAY)
            data = build_deck(session, ADMIN, SCOPE, today=TODAY, data_dir=folder / "data",
                              progress=lambda fraction, message: steps.append((fraction, message)))
    finally:
        engine.dispose()
    return Built(data, steps, sections(stats, suppress=True))


def _texts(slide) -> str:
    parts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    if slide.has_notes_slide:
        parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def _pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def _heading(slide) -> str:
    """The slide's first words (its heading; 谢谢 on the closing slide)."""
    return next((shape.text_frame.text for shape in slide.shapes
                 if shape.has_text_frame and shape.text_frame.text.strip()), "")


def _by_heading(data: bytes, heading: str):
    return next(s for s in Presentation(io.BytesIO(data)).slides if _heading(s) == heading)


ENDING = ["活动剪影", "存在问题", "下一步打算", "谢谢"]


def test_deck_is_16_9_with_title_sections_activities_problems_next_steps_and_thanks(built):
    deck = Presentation(io.BytesIO(built.data))
    slides = list(deck.slides)
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.001
    title = _texts(slides[0])
    assert "平安县" in title and "2026-09-01 至 2026-11-28" in title and "2026-11-28" in title
    headings = [_heading(slide) for slide in slides]
    assert headings[-4:] == ENDING
    sections_shown = [h for h in headings[1:-4] if not h.endswith(f"{OPEN}续{CLOSE}")]
    assert sections_shown == [section.title for section in built.sections]


def test_each_section_slide_has_its_chart_figures_and_sentence(built):
    deck = Presentation(io.BytesIO(built.data))
    parts = built.sections
    assert len(parts) == 10 and any(s.is_empty for s in parts)
    slides = list(deck.slides)
    for section in parts:
        index = next(i for i, s in enumerate(slides) if _heading(s) == section.title)
        slide = slides[index]
        text = _texts(slide)
        if section.is_empty:
            assert "暂无数据" in text and _tidy(section.empty_hint) in text
            assert not _pictures(slide)
            continue
        continued = "".join(_texts(s).split("\n", 1)[1] for s in slides[index + 1:]
                            if _heading(s) == f"{section.title}{OPEN}续{CLOSE}")
        assert _tidy(section.text).replace("\n", "") in (text + continued).replace("\n", "")
        assert all(_tidy(f.value) in text and f.label in text for f in section.figures[:4])
        assert bool(_pictures(slide)) == (section_chart(section) is not None)


def test_sections_with_data_include_basics_and_pairing(built):
    """The fixture has children and a pairing, so those slides carry charts."""
    basics, pairing = (_by_heading(built.data, title) for title in ("基本情况", "结对帮扶"))
    assert _pictures(basics) and _pictures(pairing)
    assert "12人" in _texts(basics)


def test_every_run_names_an_east_asian_typeface(built):
    deck = Presentation(io.BytesIO(built.data))
    runs = 0
    for slide in deck.slides:
        for run in slide._element.iter(qn("a:r")):
            r_pr = run.find(qn("a:rPr"))
            assert r_pr is not None
            ea = r_pr.find(qn("a:ea"))
            assert ea is not None and ea.get("typeface")
            assert r_pr.find(qn("a:latin")).get("typeface")
            runs += 1
    assert runs > 40


def test_no_child_name_phone_or_id_number_anywhere_in_the_file(built):
    deck = Presentation(io.BytesIO(built.data))
    text = "\n".join(_texts(slide) for slide in deck.slides)
    with zipfile.ZipFile(io.BytesIO(built.data)) as package:
        raw = b"".join(package.read(name) for name in package.namelist())
    for secret in (*NAMES, "欧阳测亲属", PHONE, ID_NUMBER, "李测帮扶"):
        assert secret not in text
        assert secret.encode() not in raw


def test_activities_slide_shows_the_photo_with_title_and_date(built):
    slide = _by_heading(built.data, "活动剪影")
    assert len(_pictures(slide)) == 1
    text = _texts(slide)
    assert "10-12 防溺水讲座" in text and "本期共开展活动1场" in text
    assert "在讲座上" not in text  # the free-text caption is left out


def test_progress_rises_to_one_naming_each_chart(built):
    fractions = [fraction for fraction, _ in built.progress]
    assert fractions == sorted(fractions) and len(set(fractions)) == len(fractions)
    assert fractions[-1] == 1.0 and 0.0 <= fractions[0] < 0.1
    assert ("正在生成图表：基本情况" in {message for _, message in built.progress})


def test_problems_slide_counts_without_names(built):
    text = _texts(_by_heading(built.data, "存在问题"))
    assert f"尚有7名儿童未结对{OPEN}结对率41.7%{CLOSE}" in text


def test_a_unit_of_fewer_than_5_children_shows_only_its_total(session, county):
    """The other village has one child: its deck never gives a count of 1–4 children."""
    village = session.scalar(select(OrgUnit).where(OrgUnit.name == "张家村"))
    scope = StatsScope(SCOPE.date_from, SCOPE.date_to, village.id)
    text = "\n".join(_texts(slide) for slide in
                     Presentation(io.BytesIO(build_deck(session, ADMIN, scope,
                                                        today=TODAY))).slides)
    assert "<5人" in text and small_cells.NOTE in text
    assert not re.search(r"(?<![\d<≥])[1-4](人|名儿童)", text), text


def test_empty_database_gives_a_deck_that_says_so(session):
    data = build_deck(session, ADMIN, SCOPE, today=TODAY)
    slides = list(Presentation(io.BytesIO(data)).slides)
    assert len(slides) == 1 + 10 + len(ENDING)
    assert all("暂无数据" in _texts(slide) for slide in slides[SECTION_SLIDES])
    assert "本期暂无活动照片" in _texts(slides[11])
    assert "暂未发现突出问题" in _texts(slides[12])
    assert [_heading(slide) for slide in slides[11:]] == ENDING


def test_viewer_gets_the_deck_without_activity_photos(session, county):
    viewer = Actor(user_id=None, username="viewer", role=Role.viewer)
    data = build_deck(session, viewer, SCOPE, today=TODAY, data_dir=county)
    slide = _by_heading(data, "活动剪影")
    assert not _pictures(slide) and "本期共开展活动1场" in _texts(slide)


def test_a_withdrawn_photo_consent_keeps_the_photo_out_of_the_next_deck(session, county):
    attending = session.scalar(select(Attendance.child_id))
    assert _pictures(_by_heading(build_deck(session, ADMIN, SCOPE, today=TODAY,
                                            data_dir=county), "活动剪影"))
    withdraw_consent(session, actor=ADMIN, child_id=attending,
                     purposes=[ConsentPurpose.photos], today=TODAY, note="监护人不同意公开")
    slide = _by_heading(build_deck(session, ADMIN, SCOPE, today=TODAY, data_dir=county),
                        "活动剪影")
    assert not _pictures(slide) and "本期共开展活动1场" in _texts(slide)
    name = session.get(Child, attending).name
    assert name not in _texts(slide)


def test_given_statistics_are_used_as_they_are(session, county):
    stats = compute(session, ADMIN, SCOPE, today=TODAY)
    data = build_deck(session, ADMIN, SCOPE, today=TODAY, stats=stats, data_dir=county)
    assert "平安县" in _texts(next(iter(Presentation(io.BytesIO(data)).slides)))


@pytest.mark.parametrize(("org", "expected"), [
    ("平安县", "平安县_工作汇报_20260901-20261128.pptx"),
    ("石门/镇", "石门_镇_工作汇报_20260901-20261128.pptx"),
    ("", "守望_工作汇报_20260901-20261128.pptx"),
])
def test_deck_filename(org, expected):
    assert deck_filename(org, SCOPE) == expected


def test_libreoffice_renders_the_deck(built, tmp_path):
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    require(binary is not None, "LibreOffice is not installed")
    source = tmp_path / "deck.pptx"
    source.write_bytes(built.data)
    profile = tmp_path / f"lo_{uuid.uuid4().hex}"
    result = subprocess.run(
        [binary, "--headless", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=180, check=False)
    pdf = tmp_path / "deck.pdf"
    # Calc alone (libreoffice-calc without -impress) cannot open a presentation.
    require(pdf.is_file(), f"LibreOffice could not convert the deck (Impress missing?): "
                           f"{result.stderr.strip()[-200:]}")
    reader = PdfReader(pdf)
    assert len(reader.pages) == len(Presentation(io.BytesIO(built.data)).slides)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "平安县" in text and "存在问题" in text
    assert not any(name in text for name in NAMES)


# ---- projected: sizes, numbers, colours, nothing outside its box -----------------------------

def test_no_text_is_smaller_than_18_points(built):
    sizes = [run.font.size.pt for slide in Presentation(io.BytesIO(built.data)).slides
             for shape in slide.shapes if shape.has_text_frame
             for paragraph in shape.text_frame.paragraphs for run in paragraph.runs
             if run.text.strip()]
    assert sizes and min(sizes) >= 18


def test_headline_figures_are_large(built):
    slide = _by_heading(built.data, "基本情况")
    figure = next(s for s in built.sections if s.key == "basics").figures[0]
    runs = [run for shape in slide.shapes if shape.has_text_frame
            for p in shape.text_frame.paragraphs for run in p.runs if run.text == figure.value]
    assert runs and all(run.font.size.pt >= 36 for run in runs)


def test_numbers_are_written_alike_and_quotes_are_chinese(built):
    text = "\n".join(_texts(slide) for slide in Presentation(io.BytesIO(built.data)).slides)
    assert not re.search(r"\d[ \u00a0\u2009]+[人名项个场元次]", text)
    assert "「" not in text and "」" not in text
    assert "12人" in text


def test_next_steps_answer_the_problems_and_the_deck_closes_with_thanks(built):
    steps = _texts(_by_heading(built.data, "下一步打算"))
    assert "为尚未结对的儿童逐一落实帮扶人" in steps  # 7 children are unpaired
    assert "继续落实定期走访制度" in steps
    closing = _texts(_by_heading(built.data, "谢谢"))
    assert "平安县" in closing and "2026年11月28日" in closing


def test_a_long_sentence_goes_on_to_a_continued_slide_at_18_points_or_more():
    from pptx import Presentation as New

    from services.reports import deck as deck_module

    deck = New()
    deck.slide_width, deck.slide_height = deck_module.WIDTH, deck_module.HEIGHT
    long = Section("activities", "活动与走访", "本学期共开展活动24场。" * 100)
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    rest = deck_module._section_slide(slide, long)
    assert rest
    shown = _texts(slide)
    follow = deck.slides.add_slide(deck.slide_layouts[6])
    while rest:
        rest = deck_module._continued_slide(follow, long.title, rest)
        if rest:
            follow = deck.slides.add_slide(deck.slide_layouts[6])
    whole = "".join(_texts(s).split("\n", 1)[-1] for s in deck.slides)
    assert whole.count("本学期共开展活动24场。") == 100 and "本学期" in shown


def test_one_endless_clause_is_cut_where_the_box_is_full():
    from pptx import Presentation as New

    from services.reports import deck as deck_module

    deck = New()
    text = "帮扶人开展帮扶" * 200
    rest = deck_module._sentences_box(deck.slides.add_slide(deck.slide_layouts[6]), text,
                                      0.6, 1.5, 12.1, 5.6)
    shown = _texts(deck.slides[0])
    assert rest and shown + "".join(rest) == text
    assert deck_module.fits(shown, 18, 12.1, 5.6)


def _chart_pixels(slide) -> Image.Image:
    picture = _pictures(slide)[0]
    return Image.open(io.BytesIO(picture.image.blob)).convert("RGB")


def test_chart_colours_are_the_dashboards(built):
    """Each bar is drawn in the colour the dashboard's Vega-Lite spec gives its category."""
    from services.stats.charts import group_specs

    checked = 0
    for section in built.sections:
        if section.is_empty or not section.bars:
            continue
        specs = group_specs(section, clickable=True)  # what 总览 draws
        wanted = {(row["label"], row["colour"]) for spec in specs
                  for row in spec["data"]["values"] if row["value"] > 0}
        pixels = Counter(_chart_pixels(_by_heading(built.data, section.title)).get_flattened_data())
        for label, colour in wanted:
            rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
            assert pixels[rgb] >= 20, (section.title, label, colour)
            checked += 1
    assert checked >= 5


def _slide_boxes(data: bytes) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
    """Each slide's text boxes as (text without spaces, (x0, y0, x1, y1) in points)."""
    slides = []
    for slide in Presentation(io.BytesIO(data)).slides:
        boxes = []
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text.strip():
                x0, y0 = shape.left / 12700, shape.top / 12700
                boxes.append((re.sub(r"\s", "", shape.text_frame.text),
                              (x0, y0, x0 + shape.width / 12700, y0 + shape.height / 12700)))
        slides.append(boxes)
    return slides


def _rendered_words(pdf: Path) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
    """`pdftotext -bbox`: each page's words with their boxes, in points."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                           text=True, check=True, timeout=120).stdout
    pages = []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", xhtml, flags=re.S):
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="([\d.]+)">(.*?)</word>', page)
        pages.append([(html.unescape(w), (float(a), float(b), float(c), float(d)))
                      for a, b, c, d, w in words])
    return pages


def overflows(data: bytes, pdf: Path, *, slop: float = 3.0) -> list[str]:
    """Words LibreOffice drew outside the slide, or outside every box whose text holds them."""
    problems = []
    width, height = (Presentation(io.BytesIO(data)).slide_width / 12700,
                     Presentation(io.BytesIO(data)).slide_height / 12700)
    for number, (boxes, words) in enumerate(zip(_slide_boxes(data), _rendered_words(pdf),
                                                strict=True), start=1):
        for word, (x0, y0, x1, y1) in words:
            if x0 < -slop or y0 < -slop or x1 > width + slop or y1 > height + slop:
                problems.append(f"slide {number}: {word!r} off the slide")
                continue
            owners = [box for text, box in boxes if word in text] or [box for _, box in boxes]
            inside = any(x0 >= bx0 - slop and y0 >= by0 - slop and x1 <= bx1 + slop
                         and y1 <= by1 + slop for bx0, by0, bx1, by1 in owners)
            if not inside:
                problems.append(f"slide {number}: {word!r} at {y0:.0f}–{y1:.0f}pt outside "
                                f"its box")
    return problems


def _to_pdf(data: bytes, folder: Path, name: str) -> Path:
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    require(binary is not None, "LibreOffice is not installed")
    require(shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None,
            "poppler-utils (pdftotext, pdftoppm) is not installed")
    source = folder / f"{name}.pptx"
    source.write_bytes(data)
    profile = folder / f"lo_{uuid.uuid4().hex}"
    result = subprocess.run(
        [binary, "--headless", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        capture_output=True, text=True, timeout=240, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    pdf = folder / f"{name}.pdf"
    require(pdf.is_file(), f"LibreOffice could not convert the deck (Impress missing?): "
                           f"{result.stderr.strip()[-200:]}")
    return pdf


def _every_slide_as_png(pdf: Path, count: int) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(pdf.with_suffix(""))],
                   check=True, timeout=240)
    pngs = sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))
    assert len(pngs) == count
    for png in pngs:
        with Image.open(png) as image:
            assert image.size[0] > image.size[1]  # 16:9
            assert len(set(image.convert("L").get_flattened_data())) > 2  # something was drawn


def test_every_slide_renders_with_no_text_outside_its_box(built, tmp_path):
    pdf = _to_pdf(built.data, tmp_path, "deck")
    _every_slide_as_png(pdf, len(Presentation(io.BytesIO(built.data)).slides))
    assert overflows(built.data, pdf) == []


@pytest.fixture(scope="module")
def demo_deck(_database_template, tmp_path_factory) -> bytes:
    """The demo county's deck: long sentences, many bars, continued slides."""
    from sample_data.generator import seed_database

    folder = tmp_path_factory.mktemp("demo_deck")
    if isinstance(_database_template, Path):
        shutil.copy(_database_template, folder / "demo.db")
        url = f"sqlite:///{folder / 'demo.db'}"
    else:
        template_engine, builtin = _database_template
        _reset_postgres(template_engine, builtin)
        url = TEST_DATABASE_URL
    engine = make_engine(url)
    try:
        seed_database(engine, scale="demo", seed=42, today=TODAY)
        with Session(engine) as session:
            return build_deck(session, ADMIN, StatsScope(date(2026, 9, 1), date(2027, 1, 31)),
                              today=TODAY)
    finally:
        engine.dispose()


def test_the_demo_countys_deck_renders_with_no_text_outside_its_box(demo_deck, tmp_path):
    slides = list(Presentation(io.BytesIO(demo_deck)).slides)
    assert any(_heading(s).endswith(f"{OPEN}续{CLOSE}") for s in slides)  # a long sentence
    pdf = _to_pdf(demo_deck, tmp_path, "demo")
    _every_slide_as_png(pdf, len(slides))
    assert overflows(demo_deck, pdf) == [], "\n".join(overflows(demo_deck, pdf))


def test_the_overflow_check_finds_text_too_big_for_its_box(tmp_path):
    """The check above is not vacuous: a box given more text than it holds is caught."""
    from pptx import Presentation as New
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Inches, Pt

    deck = New()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    frame = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(0.6)).text_frame
    frame.word_wrap, frame.auto_size = True, MSO_AUTO_SIZE.NONE
    run = frame.paragraphs[0].add_run()
    run.text, run.font.size = "帮扶人开展帮扶一千二百六十九人次" * 4, Pt(24)
    buffer = io.BytesIO()
    deck.save(buffer)
    pdf = _to_pdf(buffer.getvalue(), tmp_path, "too_small")
    assert overflows(buffer.getvalue(), pdf)
