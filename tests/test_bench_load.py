"""The load benchmark (bench/load.py and its parts): what it counts and checks, and a short run
of the whole of it against real servers. Its timings are never asserted: they are for reading."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from canhgiac.content import load_catalog
from canhgiac.store import Store, attempts

from conftest import DEMO_CONTENT, POSTGRES_URL, PROJECT_ROOT, REQUIRE_POSTGRES

BENCH = PROJECT_ROOT / "bench"
sys.path.insert(0, str(BENCH))

from load_clients import Browser, Slot  # noqa: E402
from load_database import quiz_answers, tally_live, tally_quiz  # noqa: E402
from load_figures import (  # noqa: E402
    ENDPOINTS,
    POST_TARGET,
    Measured,
    combine,
    cpu_seconds,
    throughput_rows,
)
from load_summary import RunFigures, summary_rows  # noqa: E402

# -- the throughput table ---------------------------------------------------------------------


def window(label: str, requests: int, seconds: float = 1.0, errors: int = 0) -> Measured:
    return Measured(label, [0.005] * requests, errors, seconds, server_cpu=requests * 0.0004)


def test_each_endpoint_is_set_against_the_bare_windows_next_to_its_own_and_all_of_them() -> None:
    slow, fast = window("bare", 1000), window("bare", 3000)
    bare = combine("bare Flask GET /ping", [slow, fast, fast])  # 7000 in 3 s
    answer = window("answer POST", 400)
    rows, missed = throughput_rows(
        [("answer POST", [answer], [slow, slow], POST_TARGET)], bare, cpus=2
    )
    assert [row[:6] for row in rows] == [
        ["bare Flask GET /ping", 7000, pytest.approx(7000 / 3), 1.0, 1.0, None],
        ["answer POST", 400, 400.0, pytest.approx(0.4), pytest.approx(400 / (7000 / 3)), None],
    ]
    # ÷bare (0.40) meets the target although ÷all (0.17) would not: the verdict is ÷bare's.
    assert rows[1][-1] == "  ≥35% met"
    assert missed == []
    assert rows[1][11] == pytest.approx(0.4)  # server CPU per request, ms


def test_each_round_is_set_against_the_bare_windows_around_it() -> None:
    b1, b2, b3, b4 = (window("bare", n) for n in (1000, 2000, 3000, 1000))
    bare = combine("bare Flask GET /ping", [b1, b2, b3, b4])
    result = [window("result GET", 900), window("result GET", 1400)]
    # Round 1 between b1 and b2 (1500/s): 0.60; round 2 between b3 and b4 (2000/s): 0.70.
    rows, missed = throughput_rows([("result GET", result, [b1, b2, b3, b4], 0.60)], bare, cpus=2)
    assert rows[1][3] == pytest.approx(2300 / 3500) and rows[1][5] == "0.60-0.70"
    assert rows[1][-1] == "  ≥60% met" and missed == []


@pytest.mark.parametrize(
    ("requests", "errors", "verdict"),
    [(350, 0, "met"), (349, 0, "MISSED"), (900, 1, "MISSED")],
)
def test_a_target_is_met_at_its_share_exactly_and_never_with_an_error(
    requests: int, errors: int, verdict: str
) -> None:
    bare = window("bare", 1000)
    post = window("quiz start POST", requests, errors=errors)
    rows, missed = throughput_rows(
        [("quiz start POST", [post], [bare, bare], POST_TARGET)], bare, cpus=2
    )
    assert rows[1][-1] == f"  ≥35% {verdict}"
    assert missed == ([] if verdict == "met" else ["quiz start POST"])


def test_windows_combine_into_one_measure() -> None:
    a = Measured("x", [0.1, 0.2], 1, 2.0, 0.5, 0.25, 0.125)
    b = Measured("y", [0.3], 2, 4.0, 1.5, 0.75, 0.375)
    both = combine("both", [a, b])
    assert both == Measured("both", [0.1, 0.2, 0.3], 3, 6.0, 2.0, 1.0, 0.5)
    assert both.rate == 0.5
    assert both.p(50) == pytest.approx(200.0)  # ms


# -- several runs in one table ------------------------------------------------------------------


def figures(shares: dict[str, float], residents: float, burst: float | None) -> RunFigures:
    targets = {name: target for name, _label, target in ENDPOINTS}
    return RunFigures(
        shares=dict(shares),
        met={name: share >= targets[name] for name, share in shares.items()},
        residents=residents,
        burst=burst,
    )


def test_several_runs_give_each_figure_its_range_median_and_runs_that_met_it() -> None:
    names = [name for name, _label, _target in ENDPOINTS]
    good = {name: 0.70 for name in names}
    runs = {
        "SQLite": [
            figures(good | {"start": 0.34, "answer": 0.41}, 18.7, 5.0),
            figures(good | {"start": 0.42, "answer": 0.45}, 25.7, 2.9),
            figures(good | {"start": 0.395, "answer": 0.35}, 14.7, None),
        ],
        "PostgreSQL": [figures(good | {"result": 0.59}, 10.6, 8.6)],
    }
    rows = {row[0]: row[1:] for row in summary_rows(runs)}
    assert rows["quiz start POST /q/<id>/start"] == [
        "≥35%",
        "0.34-0.42 (0.40), 2 of 3",
        "0.70-0.70 (0.70), 1 of 1",
    ]
    assert rows["answer POST /q/<id>/a/<a>/<n>"][1] == "0.35-0.45 (0.41), 3 of 3"
    assert rows["result GET /q/<id>/a/<a>/result"] == [
        "≥60%",
        "0.70-0.70 (0.70), 3 of 3",
        "0.59-0.59 (0.59), 0 of 1",
    ]
    assert rows["market day, residents/s"] == ["", "14.7-25.7 (18.7)", "10.6-10.6 (10.6)"]
    # A burst that was not measured leaves the range of the others (median of two: 4.0).
    assert rows["live burst, all answered within s"] == ["", "2.9-5.0 (4.0)", "8.6-8.6 (8.6)"]
    assert rows["every target met"] == ["", "2 of 3 runs", "0 of 1 runs"]
    assert len(rows) == len(ENDPOINTS) + 3


def test_a_run_that_reported_no_endpoint_did_not_meet_every_target() -> None:
    assert not RunFigures().every_target_met
    rows = {row[0]: row[1:] for row in summary_rows({"SQLite": [RunFigures()]})}
    assert rows["home page GET /"] == ["≥60%", None]
    assert rows["every target met"] == ["", "0 of 1 runs"]


class CookieEcho(BaseHTTPRequestHandler):
    """Answers with the cookies it was sent; /set/<x> sets phone=<x>. Records each client's
    port: one per connection."""

    protocol_version = "HTTP/1.1"  # keep-alive
    peers: set[int] = set()

    def do_GET(self) -> None:
        type(self).peers.add(self.client_address[1])
        body = (self.headers.get("Cookie") or "-").encode()
        self.send_response(200)
        if self.path.startswith("/set/"):
            self.send_header("Set-Cookie", f"phone={self.path[5:]}; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_the_windows_phones_share_their_threads_connection_and_keep_their_own_cookies() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CookieEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    slot = Slot(0)
    try:
        first = Browser(slot, port, shared=True)
        assert first.expect(200, "x", "GET", "/set/a")[1] == "-"
        second = Browser(slot, port, shared=True)  # a new phone: the connection stays open
        assert second.expect(200, "x", "GET", "/set/b")[1] == "-"
        assert first.expect(200, "x", "GET", "/")[1] == "phone=a"
        assert second.expect(200, "x", "GET", "/")[1] == "phone=b"
        assert len(CookieEcho.peers) == 1
        # The market day's resident: a phone and a connection of her own.
        resident = Browser(slot, port)
        assert resident.expect(200, "x", "GET", "/")[1] == "-"
        assert len(CookieEcho.peers) == 2
        assert [kind for kind, *_ in slot.records] == ["x"] * 5
        resident.close()
        first.close()
        assert slot.connections == {port: None} and second.conn is None
    finally:
        server.shutdown()
        server.server_close()


def test_cpu_seconds_counts_a_process_and_its_descendants(tmp_path: Path) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs Linux /proc")
    done = tmp_path / "done"
    burn = (
        "import sys, time\n"
        "t = time.process_time()\n"
        "while time.process_time() - t < 0.3: pass\n"
        "open(sys.argv[1], 'w').write(str(time.process_time()))\n"
        "time.sleep(60)\n"
    )
    # A shell that runs Python: the CPU is the grandchild's, not the shell's.
    shell = subprocess.Popen(
        ["sh", "-c", f'"{sys.executable}" -c "$0" "$1"; exit 0', burn, str(done)]
    )
    try:
        deadline = time.monotonic() + 60
        while not done.exists() or not done.read_text():
            assert time.monotonic() < deadline, "the child did not burn its CPU in time"
            time.sleep(0.05)
        burnt = float(done.read_text())
        assert cpu_seconds([shell.pid]) >= burnt - 0.02  # clock ticks: 10 ms each
        assert cpu_seconds([os.getpid()]) >= burnt - 0.02
        assert cpu_seconds([shell.pid]) < burnt + 1.0
    finally:
        shell.kill()
        shell.wait()


# -- the answers read back and tallied ---------------------------------------------------------


def right_keys(question) -> frozenset[str]:  # type: ignore[no-untyped-def]
    keys = [c.key for c in question.choices]
    for n in range(1, len(keys) + 1):
        for chosen in itertools.combinations(keys, n):
            if question.is_correct(frozenset(chosen)):
                return frozenset(chosen)
    raise AssertionError(f"{question.id}: no right answer")


def test_quiz_answers_are_tallied_against_the_database(store: Store) -> None:
    catalog, _ = load_catalog(DEMO_CONTENT)
    quiz = catalog.quizzes["demo-otp"]
    told: list[tuple[str, int, str]] = []

    def answer(attempt_id: str, n: int, keys: frozenset[str], *, tell: bool = True) -> None:
        question = quiz.questions[n - 1]
        store.record_answer(
            attempt_id,
            question.id,
            position=n,
            choices=keys,
            correct=question.is_correct(keys),
            quiz_id=quiz.id,
        )
        if tell:
            told.append((attempt_id, n, ",".join(sorted(keys))))

    def start():  # type: ignore[no-untyped-def]
        return store.create_attempt(quiz.id, lang="vi", src=None, question_count=3)

    done, scored_wrong, open_ = start(), start(), start()
    for n in (1, 2, 3):
        answer(done.id, n, right_keys(quiz.questions[n - 1]))
        answer(scored_wrong.id, n, right_keys(quiz.questions[n - 1]))
    answer(open_.id, 1, frozenset({"b"}))  # wrong or right: the attempt is not finished
    told.append((open_.id, 1, "c"))  # answered twice: the first acknowledgement counts
    answer(open_.id, 2, frozenset({"a"}), tell=False)  # stored, never acknowledged
    told.append((open_.id, 3, "true"))  # acknowledged, never stored

    stored, started = quiz_answers(store.url)
    assert stored[(done.id, 1)] == (",".join(sorted(right_keys(quiz.questions[0]))), True)
    assert started[done.id].score == 3
    tally = tally_quiz(told, stored, started, catalog.quizzes)
    assert tally.acknowledged == 8 and tally.attempts == 3 and tally.stored == 8
    assert (tally.lost, tally.changed, tally.unacknowledged, tally.wrong_score) == (1, 0, 1, 0)

    # The database's score goes wrong for one finished attempt, a stored answer changes.
    engine = sa.create_engine(store.engine.url)
    with engine.begin() as conn:
        conn.execute(attempts.update().where(attempts.c.id == scored_wrong.id).values(score=2))
    engine.dispose()
    told[0] = (done.id, 1, "zz")
    tally = tally_quiz(told, *quiz_answers(store.url), catalog.quizzes)
    assert (tally.lost, tally.changed, tally.unacknowledged, tally.wrong_score) == (1, 1, 1, 2)


def test_an_acknowledged_attempt_left_unfinished_has_a_wrong_score() -> None:
    catalog, _ = load_catalog(DEMO_CONTENT)
    quiz = catalog.quizzes["demo-qr"]
    keys = [",".join(sorted(right_keys(q))) for q in quiz.questions]
    told = [("A", 1, keys[0]), ("A", 2, keys[1])]
    stored = {("A", 1): (keys[0], True), ("A", 2): (keys[1], True)}
    row = SimpleNamespace(quiz_id=quiz.id, question_count=2, finished_at=None, score=None)
    assert tally_quiz(told, stored, {"A": row}, catalog.quizzes).wrong_score == 1
    row.finished_at, row.score = "finished", 2
    assert tally_quiz(told, stored, {"A": row}, catalog.quizzes).wrong_score == 0


def test_live_answers_lost_and_double_counted() -> None:
    told = {("P1", "q1"): "a", ("P2", "q1"): "b", ("P3", "q1"): "a"}
    assert tally_live(told, dict(told), rows=3) == (0, 0)
    # P3's answer lost; P1's stored twice (two rows, one key).
    stored = {("P1", "q1"): "a", ("P2", "q1"): "b"}
    assert tally_live(told, stored, rows=3) == (1, 1)
    # P2's second answer replaced its first; P4 stored without an acknowledgement.
    stored = {("P1", "q1"): "a", ("P2", "q1"): "c", ("P3", "q1"): "a", ("P4", "q1"): "a"}
    assert tally_live(told, stored, rows=4) == (0, 2)


# -- the whole benchmark, briefly --------------------------------------------------------------

SHORT = ["--seconds", "0.5", "--rounds", "2", "--warmup", "0.2", "--mix-seconds", "1"]
SHORT += ["--phones", "10", "--clients", "4", "--procs", "2", "--timeout", "300"]


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / "load.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT_ROOT,
    )


def table_row(output: str, label: str) -> list[str]:
    rows = [line for line in output.splitlines() if line.startswith(label + " ")]
    assert rows, f"no row for {label!r}"
    return rows[0][len(label) :].split()


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_benchmark_runs_and_checks_every_answer(db: str) -> None:
    # On SQLite twice, for the table over several runs; on PostgreSQL with the heaviest phones
    # (the older attempts' pages read from the database).
    quizzes = "3" if db == "sqlite" else "20"
    args = ["--db", db, *SHORT, "--repeat", "2" if db == "sqlite" else "1"]
    args += ["--quizzes-per-phone", quizzes]
    if db == "postgresql":
        if not POSTGRES_URL:
            if REQUIRE_POSTGRES:
                pytest.fail("CANHGIAC_REQUIRE_POSTGRES=1 but no PostgreSQL server was started")
            pytest.skip("no PostgreSQL server: run the tests through .ci/with-postgres")
        args += ["--postgres-url", POSTGRES_URL]
    done = bench(*args)
    output = done.stdout
    assert done.returncode == 0, output + done.stderr
    assert "Traceback" not in output + done.stderr
    assert f"   phones: {quizzes} quizzes each in the windows below, one in the market day\n" in (
        output
    )
    for label in ["bare Flask GET /ping", *(label for _name, label, _target in ENDPOINTS)]:
        cells = table_row(output, label)
        requests, errors, server_cpu = int(cells[0]), int(cells[9]), float(cells[10])
        assert requests > 0 and errors == 0 and server_cpu > 0, (label, cells)
        rounds = "-" if label.startswith("bare") else r"\d+\.\d\d-\d+\.\d\d"
        assert re.fullmatch(rounds, cells[4]), (label, cells)
    quiz = re.search(
        r"Quiz answers acknowledged (\d+) \(in (\d+) attempts\), stored (\d+): lost 0, changed "
        r"0, stored without an acknowledgement 0; finished attempts with a wrong or missing "
        r"score 0",
        output,
    )
    assert quiz is not None, output
    assert int(quiz.group(1)) == int(quiz.group(3)) > 0
    assert "Live burst: 10 phones joined (0 errors); the first question opened and 10 answers" in (
        output
    )
    assert "; stored 10, lost 0, double-counted 0 (" in output
    assert re.search(r"Market day: \d+ residents from home page to result", output)
    if db == "postgresql":
        assert re.search(r"no errors\): met \d of 7", output)
        assert "Over the runs" not in output
        return
    assert "=== run 1 of 2" in output and "=== run 2 of 2" in output
    assert re.search(r"no errors\): met \d+ of 14", output)
    summary = output[output.index("Over the runs") :]
    ranges = r"(\d+\.\d\d)-(\d+\.\d\d) \((\d+\.\d\d)\), ([012]) of 2"
    for _name, label, target in ENDPOINTS:
        found = re.search(re.escape(label) + rf" +≥{target:.0%} +{ranges}\n", summary)
        assert found is not None, (label, summary)
        low, high, median = (float(found.group(i)) for i in (1, 2, 3))
        # The two runs' own rows: their ÷bare are the range's ends, their verdicts the count.
        rows = [
            line.split()
            for line in output[: output.index("Over the runs")].splitlines()
            if line.startswith(label + " ") and line.endswith(("met", "MISSED"))
        ]
        assert len(rows) == 2, (label, rows)
        shares = sorted(float(row[len(label.split()) + 2]) for row in rows)
        assert (low, high) == (shares[0], shares[1]) and low <= median <= high, (label, summary)
        assert int(found.group(4)) == sum(row[-1] == "met" for row in rows), (label, summary)
    assert re.search(r"\nevery target met +[012] of 2 runs\n", summary), summary


def test_the_benchmark_says_when_it_has_no_database() -> None:
    done = bench("--db", "postgresql", "--postgres-url", "postgresql://postgres@127.0.0.1:1/x")
    assert done.returncode == 2
    assert "error: postgresql: no database to measure: connection failed" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_the_benchmark_refuses_settings_out_of_bounds() -> None:
    wrongs = (["--seconds", "0.1"], ["--quizzes-per-phone", "21"], ["--quizzes-per-phone", "0"])
    for wrong in wrongs:
        done = bench(*wrong)
        assert done.returncode == 2, wrong
        assert "out of bounds: at most 16 workers" in done.stderr
        assert ", 10 repeats, 20 quizzes per phone\n" in done.stderr
