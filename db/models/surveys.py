"""Surveys (问卷): questions with their options, one answer per child and question."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.vocab import QuestionKind
from db.base import Archivable, Base, Timestamped, Versioned, coded


class Survey(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position")


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON)
    kind: Mapped[QuestionKind] = mapped_column(coded(QuestionKind, "kind"),
                                               default=QuestionKind.single)

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"
    # A multiple-choice question has one row per option chosen; the service allows one row
    # for a single-choice question.
    __table_args__ = (UniqueConstraint("question_id", "child_id", "answer",
                                       name="uq_survey_answers_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    answer: Mapped[str] = mapped_column(String(200))
