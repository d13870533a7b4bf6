"""Content: loading and validating lessons and quizzes into an immutable catalog."""

from .errors import ContentError, Problem
from .loader import load_catalog
from .model import Catalog, Choice, Lesson, Question, Quiz, Section, Source, Text

__all__ = [
    "Catalog", "Choice", "ContentError", "Lesson", "Problem", "Question", "Quiz", "Section",
    "Source", "Text", "load_catalog",
]
