"""汇报 through AppTest: who may open it, the draft written from the figures, edits kept,
files made from the edited text, and the deck with its progress bar."""

from __future__ import annotations

import io

import pytest
from docx import Document
from pptx import Presentation

from components.common.markup import md
from tests.app.conftest import logged_in


def _reports(role: str):
    at = logged_in(role)
    at.switch_page("pages/reports.py").run()
    assert not at.exception
    return at


def _draft(at) -> str:
    return at.text_area(key="report_draft").value


@pytest.mark.parametrize("role", ["helper", "viewer"])
def test_helpers_and_viewers_cannot_open_reports(world, role):
    at = logged_in(role)
    with pytest.raises(ValueError, match="reports"):
        at.switch_page("pages/reports.py").run()


def test_the_draft_is_written_from_the_coordinators_figures(world):
    at = _reports("coordinator")
    draft = _draft(at)
    assert draft.startswith("# 石门镇")
    for heading in ("一、基本情况", "二、主要工作措施", "三、工作成效", "四、存在问题",
                    "五、下一步打算"):
        assert f"## {heading}" in draft
    assert "现有关爱对象2人" in draft  # 石门镇's two children, not the county's three
    assert not any(name in draft for name in world.child_names)


def test_edits_are_kept_and_reach_the_file(world):
    at = _reports("coordinator")
    edited = _draft(at).replace("（请在此填写下一步打算）", "下学期开展防溺水专题教育。")
    at.text_area(key="report_draft").input(edited).run()
    at.radio(key="report_format").set_value("docx").run()
    next(b for b in at.button if b.label == "生成文件").click().run()
    assert not at.exception
    assert _draft(at) == edited  # the rerun kept the edit
    data, name = at.session_state["report_file"]
    assert name.endswith(".docx") and name.startswith("石门镇_工作总结_")
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "下学期开展防溺水专题教育。" in text
    assert [b.label for b in at.get("download_button")] == [f"下载 {md(name)}"]  # names a unit


def test_rewriting_discards_edits(world):
    at = _reports("coordinator")
    original = _draft(at)
    at.text_area(key="report_draft").input("随便写的").run()
    next(b for b in at.button if b.label == "按最新数据重写").click().run()
    assert _draft(at) == original


def test_an_empty_draft_is_refused(world):
    at = _reports("admin")
    at.text_area(key="report_draft").input("   ").run()
    next(b for b in at.button if b.label == "生成文件").click().run()
    assert "草稿是空的" in " ".join(e.value for e in at.error)
    assert "report_file" not in at.session_state


def test_the_deck_is_built_for_the_scope(world):
    at = _reports("admin")
    next(b for b in at.button if b.label == "生成会议汇报 PPT").click().run()
    assert not at.exception
    data, name = at.session_state["deck_file"]
    assert name.endswith(".pptx")
    deck = Presentation(io.BytesIO(data))
    # title, ten sections (a long one continued on a （续） slide), activities, 存在问题,
    # 下一步打算 and the closing slide
    assert len(deck.slides) >= 15
    last = [" ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
            for slide in list(deck.slides)[-4:]]
    assert ["活动剪影" in last[0], "存在问题" in last[1], "下一步打算" in last[2],
            "谢谢" in last[3]] == [True] * 4
    text = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                    if shape.has_text_frame)
    assert not any(name in text for name in world.child_names)


def test_a_changed_scope_withdraws_the_old_deck(world):
    at = _reports("admin")
    next(b for b in at.button if b.label == "生成会议汇报 PPT").click().run()
    assert "deck_file" in at.session_state
    at.segmented_control(key="dash_period").set_value("month").run()
    assert "deck_file" not in at.session_state
    assert not [b for b in at.get("download_button") if b.label.endswith(".pptx")]


def test_the_masked_draft_withholds_small_counts_and_says_why(world):
    """石门镇 has two children: 脱敏 shows only its total, as "<5", with the footnote."""
    at = _reports("coordinator")
    assert "现有关爱对象2人" in _draft(at)
    at.toggle(key="report_masked").set_value(True).run()
    assert not at.exception
    masked = _draft(at)
    assert "现有关爱对象<5人" in masked and "现有关爱对象2人" not in masked
    assert "为保护儿童隐私" in masked
    at.radio(key="report_format").set_value("md").run()
    next(b for b in at.button if b.label == "生成文件").click().run()
    data, _ = at.session_state["report_file"]
    assert "<5人" in data.decode("utf-8")
    at.toggle(key="report_masked").set_value(False).run()
    assert "现有关爱对象2人" in _draft(at)  # the exact draft again, for the coordinator's own use
