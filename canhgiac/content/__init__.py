"""Content: loading and validating lessons and quizzes into an immutable catalog."""

from .errors import ContentError, Problem
from .loader import load_catalog
from .model import (
    Catalog,
    Choice,
    Flag,
    Grade,
    Lesson,
    Part,
    Question,
    Quiz,
    Scenario,
    Section,
    Source,
    Text,
)

__all__ = [
    "Catalog", "Choice", "ContentError", "Flag", "Grade", "Lesson", "Part", "Problem", "Question",
    "Quiz", "Scenario", "Section", "Source", "Text", "load_catalog",
]  # fmt: skip
