"""The meeting deck: 16:9 slides, a chart per section, photos, East Asian fonts, no names."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
import zipfile
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

from db.engine import make_engine
from db.models import Activity, Attendance, OrgUnit
from services import photos, small_cells
from services.charts import section_chart
from services.deck import build_deck, deck_filename
from services.permissions import Actor
from services.stats import StatsScope, compute
from services.stats_text import CLOSE, OPEN, Section, sections
from services.vocab import Role
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


def test_deck_is_16_9_with_title_sections_activities_and_problems(built):
    deck = Presentation(io.BytesIO(built.data))
    slides = list(deck.slides)
    assert len(slides) == 1 + 10 + 1 + 1
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.001
    title = _texts(slides[0])
    assert "平安县" in title and "2026-09-01 至 2026-11-28" in title and "2026-11-28" in title
    assert "活动剪影" in _texts(slides[11])
    assert "存在问题" in _texts(slides[12])


def test_each_section_slide_has_its_chart_figures_and_sentence(built):
    deck = Presentation(io.BytesIO(built.data))
    parts = built.sections
    assert len(parts) == 10 and any(s.is_empty for s in parts)
    for section, slide in zip(parts, list(deck.slides)[SECTION_SLIDES], strict=True):
        text = _texts(slide)
        assert section.title in text
        if section.is_empty:
            assert "暂无数据" in text and section.empty_hint in text
            assert not _pictures(slide)
            continue
        assert section.text in text
        assert all(f.value in text and f.label in text for f in section.figures[:4])
        assert bool(_pictures(slide)) == (section_chart(section) is not None)


def test_sections_with_data_include_basics_and_pairing(built):
    """The fixture has children and a pairing, so those slides carry charts."""
    slides = list(Presentation(io.BytesIO(built.data)).slides)
    assert _pictures(slides[1]) and _pictures(slides[6])
    assert "12人" in _texts(slides[1])


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
    slide = list(Presentation(io.BytesIO(built.data)).slides)[11]
    assert len(_pictures(slide)) == 1
    text = _texts(slide)
    assert "10-12 防溺水讲座" in text and "本期共开展活动1场" in text
    assert "在讲座上" not in text  # the free-text caption is left out


def test_progress_rises_to_one_naming_each_chart(built):
    fractions = [fraction for fraction, _ in built.progress]
    assert fractions == sorted(fractions) and len(set(fractions)) == len(fractions)
    assert fractions[-1] == 1.0 and 0.0 <= fractions[0] < 0.1
    assert ("正在生成图表:基本情况" in {message for _, message in built.progress})


def test_problems_slide_counts_without_names(built):
    text = _texts(list(Presentation(io.BytesIO(built.data)).slides)[12])
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
    assert len(slides) == 13
    assert all("暂无数据" in _texts(slide) for slide in slides[SECTION_SLIDES])
    assert "本期暂无活动照片" in _texts(slides[11])
    assert "暂未发现突出问题" in _texts(slides[12])


def test_viewer_gets_the_deck_without_activity_photos(session, county):
    viewer = Actor(user_id=None, username="viewer", role=Role.viewer)
    data = build_deck(session, viewer, SCOPE, today=TODAY, data_dir=county)
    slide = list(Presentation(io.BytesIO(data)).slides)[11]
    assert not _pictures(slide) and "本期共开展活动1场" in _texts(slide)


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
    assert len(reader.pages) == 13
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "平安县" in text and "存在问题" in text
    assert not any(name in text for name in NAMES)
