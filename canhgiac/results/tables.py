"""What the results pages, the CSV files and the PDF report show: tables of cells, chart items
and the figures of each page, as canhgiac/results/figures.py builds them."""

from __future__ import annotations

from dataclasses import dataclass

from ..content.model import Quiz
from .period import Period
from .privacy import Cell

__all__ = [
    "ChartItem",
    "Column",
    "Overview",
    "QuizResults",
    "ReportData",
    "SourceResults",
    "Table",
]


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = True


@dataclass(frozen=True)
class Table:
    """A table: `name` is the CSV file's name (without the period and extension)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def column(self, title: str) -> list[Cell]:
        index = [c.title for c in self.columns].index(title)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class ChartItem:
    label: str  # short, for the chart's axis
    value: Cell
    title: str = ""  # longer, for the tooltip and screen readers (defaults to label)


@dataclass(frozen=True)
class Overview:
    period: Period
    started: Cell
    finished: Cell
    average: Cell
    topics: Table  # weakest first
    weeks: Table
    quizzes: Table
    topic_chart: list[ChartItem]
    week_started_chart: list[ChartItem]
    week_average_chart: list[ChartItem]


@dataclass(frozen=True)
class QuizResults:
    period: Period
    quiz_id: str
    quiz: Quiz | None
    started: Cell
    finished: Cell
    average: Cell
    questions: Table
    right_chart: list[ChartItem]
    flagged: int  # questions with a review flag


@dataclass(frozen=True)
class SourceResults:
    period: Period
    sources: Table
    by_quiz: Table
    chart: list[ChartItem]


@dataclass(frozen=True)
class ReportData:
    overview: Overview
    sources: Table
    questions: Table
