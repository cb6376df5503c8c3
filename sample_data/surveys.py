"""One county survey (问卷) of left-behind pupils, answered once per question and child."""

from __future__ import annotations

from datetime import timedelta

from sample_data import texts
from sample_data.children import Kid
from sample_data.context import Context, stamp, stamps
from sample_data.orgs import OrgTree
from sample_data.writer import Row

RESPONSE_RATE = 0.8
MIN_AGE = 8


def survey_rows(ctx: Context, tree: OrgTree, kids: list[Kid]
                ) -> tuple[list[Row], list[Row], list[Row]]:
    """The survey, its questions and the answers of the left-behind pupils present that day."""
    rng = ctx.rng("survey")
    held_on = max(ctx.today - timedelta(days=200), ctx.window_start)
    survey_id = ctx.new_id("surveys")
    survey = {"id": survey_id, "title": texts.SURVEY_TITLE, "held_on": held_on,
              "org_unit_id": tree.county.id, "archived_at": None, "archive_reason": None,
              **stamps(stamp(rng, held_on))}
    questions, answers = [], []
    respondents = [k for k in kids if "left_behind" in k.categories and k.age >= MIN_AGE
                   and k.present_on(held_on) and rng.random() < RESPONSE_RATE]
    for position, (text, options, weights) in enumerate(texts.SURVEY_QUESTIONS, start=1):
        question_id = ctx.new_id("survey_questions")
        questions.append({"id": question_id, "survey_id": survey_id, "position": position,
                          "text": text, "options": list(options)})
        picked = rng.choices(options, weights, k=len(respondents))
        answers += [{"id": ctx.new_id("survey_answers"), "question_id": question_id,
                     "child_id": kid.id, "answer": answer}
                    for kid, answer in zip(respondents, picked, strict=True)]
    return [survey], questions, answers
