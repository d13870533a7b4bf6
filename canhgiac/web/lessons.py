"""A lesson page: what the scam looks like, what to do, where to report, and its quiz."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import format_date

from .. import get_catalog
from .i18n import current_language
from .pages import shared_page

bp = Blueprint("lessons", __name__)

#: How the "facts checked on" date reads: 28/11/2026 in Vietnamese, the locale's long form
#: (November 28, 2026) elsewhere.
DATE_FORMATS = {"vi": "dd/MM/yyyy"}


@bp.get("/l/<lesson_id>")
def lesson(lesson_id: str) -> str:
    catalog = get_catalog()
    found = catalog.lessons.get(lesson_id)
    if found is None:
        abort(404)
    quiz = catalog.quizzes.get(found.quiz) if found.quiz else None
    return shared_page(
        lambda: render_template(
            "lesson.html",
            lesson=found,
            quiz=quiz,
            reviewed=format_date(
                found.reviewed, format=DATE_FORMATS.get(current_language(), "long")
            ),
        )
    )
