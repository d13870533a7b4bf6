"""A Markdown listing of a content pack: lessons, quizzes, question counts, review dates.

`canhgiac contents` prints it; docs/content-pack.md holds the listing of the shipped pack,
and a test keeps the two equal.
"""

from __future__ import annotations

from collections import Counter

from .model import SAFE_KEY, SCENARIO_CHANNELS, TOPICS, Catalog

HEADER = """# The content pack

The lessons and quizzes shipped in `lessons/` and `quizzes/`. This page is generated:
run `canhgiac contents > docs/content-pack.md` after changing the content (a test checks that it
is up to date).
"""


def pack_listing(catalog: Catalog) -> str:
    lines = [HEADER]
    lines.append(f"{catalog.summary_line()}.\n")
    lines.append(_scenario_line(catalog))
    lines.append(
        "| topic | lesson | quiz | questions (single / multiple / true-false / scenario) "
        "| reviewed |"
    )
    lines.append("|---|---|---|---|---|")
    quizzes_listed: set[str] = set()
    for topic, lessons, quizzes in catalog.topics():
        for lesson in lessons:
            quiz = catalog.quizzes.get(lesson.quiz) if lesson.quiz else None
            if quiz is not None:
                quizzes_listed.add(quiz.id)
            lines.append(_row(topic, lesson.title.get("vi"), lesson.id, quiz, lesson.reviewed))
        for quiz in quizzes:
            if quiz.id not in quizzes_listed:
                lines.append(_row(topic, "", "", quiz, None))
    return "\n".join(lines) + "\n"


def _row(topic: str, title: str, lesson_id: str, quiz, reviewed) -> str:  # type: ignore[no-untyped-def]
    topic_name = TOPICS[topic]["vi"]
    lesson_cell = f"{title} (`{lesson_id}`)" if lesson_id else "–"
    if quiz is None:
        quiz_cell, count_cell = "–", "–"
    else:
        types = Counter(q.type for q in quiz.questions)
        quiz_cell = f"`{quiz.id}`"
        count_cell = (
            f"{len(quiz.questions)} ({types['single']} / {types['multiple']} / "
            f"{types['truefalse']} / {types['scenario']})"
        )
    reviewed_cell = reviewed.isoformat() if reviewed else "–"
    return f"| {topic_name} | {lesson_cell} | {quiz_cell} | {count_cell} | {reviewed_cell} |"


def _scenario_line(catalog: Catalog) -> str:
    """How many scenario questions there are, by channel, and how many are safe examples."""
    scenarios = [
        q.scenario for quiz in catalog.quizzes.values() for q in quiz.questions if q.scenario
    ]
    if not scenarios:
        return "No scenario questions.\n"
    channels = Counter(s.channel for s in scenarios)
    by_channel = ", ".join(f"{channels[c]} {c}" for c in SCENARIO_CHANNELS if channels[c])
    safe = sum(s.verdict == SAFE_KEY for s in scenarios)
    return f"{len(scenarios)} scenario questions ({by_channel}); {safe} of them safe examples.\n"
