"""Benchmark: the trainer's results overview with 1,000 and with 1,000,000 stored answers.

    python bench/results_overview.py [--answers 1000000] [--small 1000] [--runs 5]

Fills two SQLite databases with anonymous attempts of the shipped quizzes (spread evenly over
the last 365 days and written oldest first, as the store writes them; 20 source labels; about
1 in 10 attempts left unfinished), in executemany batches. Then times, in the same run and on
both: the overview page for the last 30 days and for the whole year (Flask test client, a
trainer logged in), the overview's queries alone, a quiz's question-by-question page and the
PDF report (the two that read the answers table). Prints the median times and the ratio
large / small. No assertion on time: this is for reading, not for CI. All aggregation happens
in SQL (canhgiac/results/queries.py): the overview reads only the attempts table, through its
started_at index.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from canhgiac import create_app  # noqa: E402
from canhgiac.content import load_catalog  # noqa: E402
from canhgiac.live import auth  # noqa: E402
from canhgiac.results import figures  # noqa: E402
from canhgiac.results.period import local_today, parse_period  # noqa: E402
from canhgiac.store import Store, answers, attempts, utcnow  # noqa: E402

BATCH = 20_000
SOURCES = [f"cho-{i:02d}" for i in range(12)] + [f"to-roi-{i}" for i in range(6)] + [None, "buoi"]


def fill(url: str, target_answers: int, seed: int = 7) -> tuple[int, int, float]:
    """Write attempts until ``target_answers`` answers are stored. Returns (attempts, answers,
    seconds)."""
    started = time.perf_counter()
    catalog, _warnings = load_catalog(ROOT)
    quizzes = list(catalog.quizzes.values())
    rng = random.Random(seed)
    store = Store(url)
    store.upgrade()
    now = utcnow()
    attempt_rows: list[dict[str, object]] = []
    answer_rows: list[dict[str, object]] = []
    n_attempts = n_answers = 0

    def flush(conn: sa.Connection) -> None:
        if attempt_rows:
            conn.execute(sa.insert(attempts), attempt_rows)
            attempt_rows.clear()
        if answer_rows:
            conn.execute(sa.insert(answers), answer_rows)
            answer_rows.clear()

    with store.engine.begin() as conn:
        while n_answers < target_answers:
            quiz = rng.choice(quizzes)
            ability = rng.random()
            count = len(quiz.questions)
            answered = count if rng.random() > 0.1 else rng.randint(1, count - 1)
            answered = min(answered, target_answers - n_answers)
            # in the order residents come, as the store writes them: oldest first
            begin = now - timedelta(days=365) * (1 - n_answers / target_answers)
            attempt_id = f"b{n_attempts:010d}"
            score = 0
            for position, question in enumerate(quiz.questions[:answered], start=1):
                right = rng.random() < 0.35 + 0.6 * ability
                keys = sorted(question.correct_keys)
                if not right:
                    wrong = [c.key for c in question.choices if not c.correct]
                    keys = [rng.choice(wrong)] if wrong else keys[:-1] or ["x"]
                score += right
                answer_rows.append(
                    {
                        "attempt_id": attempt_id,
                        "question_id": question.id,
                        "position": position,
                        "choices": ",".join(keys),
                        "correct": right,
                        "answered_at": begin + timedelta(seconds=20 * position),
                        "credit": 100 if right else 0,
                    }
                )
            finished = answered == count
            attempt_rows.append(
                {
                    "id": attempt_id,
                    "quiz_id": quiz.id,
                    "lang": "vi",
                    "src": rng.choice(SOURCES),
                    "seed": 1,
                    "question_count": count,
                    "started_at": begin,
                    "finished_at": begin + timedelta(minutes=5) if finished else None,
                    "score": score if finished else None,
                }
            )
            n_attempts += 1
            n_answers += answered
            if len(answer_rows) >= BATCH:
                flush(conn)
        flush(conn)
    store.dispose()
    return n_attempts, n_answers, time.perf_counter() - started


def median_time(action: Callable[[], object], runs: int) -> float:
    action()  # warm up: caches, compiled queries, templates
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        action()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def measure(url: str, instance: Path, runs: int) -> dict[str, float]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-0123456789",
            "INSTANCE_PATH": instance,
            "DATABASE_URL": url,
            "CONTENT": str(ROOT),
        }
    )
    store = app.extensions["canhgiac.store"]
    trainer = auth.add_trainer(store.engine, f"bench{random.randrange(10**6)}", "bench-password")
    client = app.test_client()
    with client.session_transaction() as session:
        session[auth.SESSION_KEY] = [trainer.id, trainer.fingerprint]
    today = local_today()
    year = f"?from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
    quiz_id = next(iter(app.extensions["canhgiac.catalog"].quizzes))

    def page(path: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(path)
            assert response.status_code == 200, response.status_code
            return response

        return get

    def queries_only() -> object:
        with app.test_request_context("/"):
            period = parse_period({"from": year[6:16], "to": today.isoformat()})
            with store.engine.connect() as conn:
                return figures.overview(conn, app.extensions["canhgiac.catalog"], period)

    found = {
        "overview page, last 30 days": median_time(page("/trainer/results"), runs),
        "overview page, 365 days": median_time(page("/trainer/results" + year), runs),
        "overview queries only, 365 days": median_time(queries_only, runs),
        "quiz page (reads answers), 365 days": median_time(
            page(f"/trainer/results/q/{quiz_id}" + year), runs
        ),
        "PDF report (reads answers), 365 days": median_time(
            page("/trainer/results/report.pdf" + year), max(1, runs // 2)
        ),
    }
    store.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-") as tmp:
        folder = Path(tmp)
        results = {}
        for label, target in (("small", args.small), ("large", args.answers)):
            url = f"sqlite:///{folder / label}.sqlite3"
            n_attempts, n_answers, seconds = fill(url, target)
            print(
                f"{label}: {n_answers:,} answers in {n_attempts:,} attempts "
                f"(filled in {seconds:.1f} s)",
                flush=True,
            )
            results[label] = measure(url, folder / f"instance-{label}", args.runs)
        print()
        width = max(len(name) for name in results["small"])
        heading = f"median of {args.runs} runs"
        print(f"{heading:<{width}}  {'small':>10}  {'large':>10}  ratio")
        for name, small in results["small"].items():
            large = results["large"][name]
            print(
                f"{name:<{width}}  {small * 1000:8.1f}ms  {large * 1000:8.1f}ms  "
                f"{large / small:5.1f}x"
            )


if __name__ == "__main__":
    main()
