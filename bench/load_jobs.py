"""The load benchmark's client processes (bench/load.py): what each client thread sends in each
phase, and the processes seen from the main process."""

from __future__ import annotations

import contextlib
import html
import http.client
import math
import multiprocessing
import random
import threading
import time
from collections import Counter, defaultdict

from harness import Failed
from load_clients import (
    CHOICE,
    DOUBLE_LIVE,
    DOUBLE_MIX,
    FLAG,
    FORM,
    LOCATION,
    NEXT,
    SOURCES,
    SRC_FIELD,
    AttemptRef,
    Browser,
    Content,
    Exhausted,
    LivePhone,
    Slot,
    Stop,
    location,
    pick_answer,
)


class ClientProcess:
    """The clients of one process, driven by commands from the main process."""

    def __init__(
        self,
        index: int,
        procs: int,
        threads: int,
        ports: dict[str, int],
        content,  # type: ignore[no-untyped-def]
        accept: str,
        quizzes_per_phone: int,
    ):
        self.index = index
        self.ports = ports
        self.content = content
        self.quizzes_per_phone = quizzes_per_phone
        self.slots = [Slot(index + procs * i) for i in range(threads)]
        for slot in self.slots:
            slot.accept = accept
            slot.rng = random.Random(slot.n)
            slot.counter = slot.n
        self.phones: list[tuple[Slot, LivePhone]] = []

    # Each thread runs `job(slot)` until the deadline; a request that fails is counted as an
    # error of its kind and the thread goes on (a resident with a new phone).
    def run(self, job, slots: list[Slot], t0: float, deadline: float) -> None:  # type: ignore[no-untyped-def]
        def loop(slot: Slot) -> None:
            slot.deadline = deadline
            time.sleep(max(0.0, t0 - time.monotonic()))
            while time.monotonic() < deadline:
                try:
                    job(slot)
                except (Stop, Exhausted):
                    return
                except (Failed, OSError, http.client.HTTPException, AttributeError) as exc:
                    slot.errors.append((slot.kind, repr(exc)[:300]))
                    for conn in slot.connections.values():
                        if conn is not None:
                            conn.close()
                    slot.connections.clear()
                    if slot.resident is not None:
                        slot.resident.close()
                    time.sleep(0.05)

        threads = [threading.Thread(target=loop, args=(s,)) for s in slots]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def collect(self, slots: list[Slot], since: float, until: float) -> dict[str, object]:
        """Latencies of the requests that ended in [since, until], and every error."""
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: Counter[str] = Counter()
        messages: list[str] = []
        for slot in slots:
            for kind, began, elapsed, _status in slot.records:
                if since <= began + elapsed <= until:
                    latencies[kind].append(elapsed)
            for kind, message in slot.errors:
                errors[kind] += 1
                if len(messages) < 5:
                    messages.append(f"{kind}: {message}")
            slot.records = []
            slot.errors = []
        return {"latencies": dict(latencies), "errors": dict(errors), "messages": messages}

    # -- commands --------------------------------------------------------------------------
    def phase(self, name: str, t0: float, since: float, until: float) -> dict[str, object]:
        job = getattr(self, f"job_{name}")
        residents = sum(s.residents for s in self.slots)
        self.run(job, self.slots, t0, until)
        result = self.collect(self.slots, since, until)
        result["residents"] = sum(s.residents for s in self.slots) - residents
        result["exhausted"] = sum(1 for s in self.slots if not self.has_work(name, s))
        return result

    def has_work(self, name: str, slot: Slot) -> bool:
        if name == "answer":
            return bool(slot.attempts)
        return True

    def job_bare(self, slot: Slot) -> None:
        if slot.bare is None:
            slot.bare = Browser(slot, self.ports["bare"], shared=True)
        slot.bare.expect(200, "bare", "GET", "/ping")

    def _page(self, slot: Slot) -> Browser:
        if slot.page is None:
            slot.page = Browser(slot, self.ports["app"], shared=True)
        slot.counter += 1
        return slot.page

    def job_home(self, slot: Slot) -> None:
        self._page(slot).expect(200, "home", "GET", "/")

    def job_lesson(self, slot: Slot) -> None:
        browser = self._page(slot)
        lesson, _quiz = self.content.lessons[slot.counter % len(self.content.lessons)]
        browser.expect(200, "lesson", "GET", f"/l/{lesson}")

    def job_intro(self, slot: Slot) -> None:
        browser = self._page(slot)
        _lesson, quiz = self.content.lessons[slot.counter % len(self.content.lessons)]
        browser.expect(200, "intro", "GET", f"/q/{quiz}?src=cho-{slot.counter % SOURCES}")

    def job_start(self, slot: Slot) -> None:
        """A quiz started from its intro's form; a new phone every `quizzes_per_phone`."""
        if slot.phone is None or slot.phone.started >= self.quizzes_per_phone:
            slot.phone = Browser(slot, self.ports["app"], shared=True)
        browser = slot.phone
        slot.counter += 1
        _lesson, quiz = self.content.lessons[slot.counter % len(self.content.lessons)]
        form = {"src": f"cho-{slot.counter % SOURCES}"}  # no token: see canhgiac/web/origin.py
        response, _ = browser.expect(303, "start", "POST", f"/q/{quiz}/start", form)
        found = LOCATION.search(location(response))
        if not found:
            raise Failed(f"start: unexpected Location {location(response)!r}")
        count = len(self.content.quizzes[quiz])
        slot.attempts.append(AttemptRef(browser, quiz, found.group(2), count))
        browser.started += 1

    def job_question(self, slot: Slot) -> None:
        if not slot.attempts:
            raise Exhausted
        slot.cursor += 1
        attempt = slot.attempts[slot.cursor % len(slot.attempts)]
        unanswered = attempt.count - attempt.next + 1
        n = attempt.next + slot.cursor // len(slot.attempts) % unanswered
        path = f"/q/{attempt.quiz_id}/a/{attempt.id}/{n}"
        _, page = attempt.browser.expect(200, "question", "GET", path)
        if not FORM.search(page):
            raise Failed(f"{path}: no question form")

    def job_answer(self, slot: Slot) -> None:
        if not slot.attempts:
            raise Exhausted
        attempt = slot.attempts[0]
        spec = self.content.quizzes[attempt.quiz_id][attempt.next - 1]
        form, keys = pick_answer(spec, slot.rng)  # no token: see canhgiac/web/origin.py
        path = f"/q/{attempt.quiz_id}/a/{attempt.id}/{attempt.next}"
        attempt.browser.expect(303, "answer", "POST", path, form)
        slot.acknowledged.append((attempt.id, attempt.next, keys))
        attempt.next += 1
        if attempt.next > attempt.count:
            slot.attempts.pop(0)
            slot.finished.append(attempt)

    def job_result(self, slot: Slot) -> None:
        if not slot.finished:
            raise Exhausted
        slot.cursor += 1
        attempt = slot.finished[slot.cursor % len(slot.finished)]
        path = f"/q/{attempt.quiz_id}/a/{attempt.id}/result"
        attempt.browser.expect(200, "result", "GET", path)

    def job_mix(self, slot: Slot) -> None:
        """One resident at the market, from the home page to the quiz result, on a phone and
        a connection of her own."""
        if slot.resident is not None:
            slot.resident.close()  # the previous resident's phone
        browser = slot.resident = Browser(slot, self.ports["app"])
        slot.counter += 1
        lesson, quiz = self.content.lessons[slot.counter % len(self.content.lessons)]
        browser.expect(200, "home", "GET", "/")
        browser.expect(200, "lesson", "GET", f"/l/{lesson}")
        _, page = browser.expect(200, "intro", "GET", f"/q/{quiz}?src=cho-{slot.counter % SOURCES}")
        form = {"src": SRC_FIELD.search(page).group(1)}
        response, _ = browser.expect(303, "start", "POST", f"/q/{quiz}/start", form)
        url = location(response)
        while True:
            _, page = browser.expect(200, "question", "GET", url)
            action = FORM.search(page)
            choices = CHOICE.findall(page)
            found = LOCATION.search(action.group(1)) if action else None
            if not found or not choices or found.group(3) == "result":
                raise Failed(f"{url}: no question form")
            attempt_id, n = found.group(2), int(found.group(3))
            kind = choices[0][0]
            values = [v for _, v in choices]
            if kind == "checkbox":
                chosen = [v for v in values if slot.rng.random() < 0.5] or [values[0]]
            else:
                chosen = [slot.rng.choice(values)]
            flags = [f for f in FLAG.findall(page) if slot.rng.random() < 0.4]
            form = {"choice": chosen, "flag": flags}  # no token: see canhgiac/web/origin.py
            response, _ = browser.expect(303, "answer", "POST", action.group(1), form)
            keys = set(chosen) | {f"f:{f}" for f in flags}  # flags: only on scenarios
            slot.acknowledged.append((attempt_id, n, ",".join(sorted(keys))))
            if slot.rng.random() < DOUBLE_MIX:  # the back button: the first answer stays
                other = dict(form, choice=[v for v in values if v not in chosen][:1] or chosen)
                browser.expect(303, "answer", "POST", action.group(1), other)
            _, page = browser.expect(200, "question", "GET", location(response))
            following = NEXT.search(page)
            if not following:
                raise Failed(f"{url}: no link to go on")
            url = html.unescape(following.group(1))
            if url.endswith("/result"):
                browser.expect(200, "result", "GET", url)
                slot.residents += 1
                return

    # -- the live burst --------------------------------------------------------------------
    def join(self, code: str, phones: list[int], deadline: float) -> dict[str, object]:
        slots = [Slot(n) for n in phones]
        self.phones = [(s, LivePhone(s, s.n, self.ports["app"], code)) for s in slots]
        by_slot = {s.n: p for s, p in self.phones}
        done: set[int] = set()

        def job(slot: Slot) -> None:
            phone = by_slot[slot.n]
            if slot.n in done:
                raise Exhausted
            done.add(slot.n)
            phone.join()
            phone.poll()

        self.run(job, slots, 0, deadline)
        return self.collect(slots, -math.inf, math.inf)

    def burst(self, t0: float, deadline: float) -> dict[str, object]:
        """Every phone: see the question open, open it, answer (some twice), poll again."""
        slots = [s for s, _ in self.phones]
        by_slot = {s.n: p for s, p in self.phones}
        done: set[int] = set()
        answered: list[float] = []
        lock = threading.Lock()

        def job(slot: Slot) -> None:
            phone = by_slot[slot.n]
            if slot.n in done:
                raise Exhausted
            done.add(slot.n)
            if phone.poll() != 200:
                raise Failed("the new question was not seen")
            phone.answer(random.Random(slot.n).random() < DOUBLE_LIVE)
            with lock:
                answered.append(time.monotonic())
            phone.poll()

        self.run(job, slots, t0, deadline)
        ended = max((b + e for s in slots for _, b, e, _ in s.records), default=t0)
        result = self.collect(slots, -math.inf, math.inf)
        result["ended"] = ended
        result["acknowledged"] = {
            f"P{p.n}": dict(p.acknowledged) for _, p in self.phones if p.acknowledged
        }
        result["doubles"] = sum(p.doubles for _, p in self.phones)
        result["answered"] = answered
        return result

    def bare_burst(self, t0: float, per_phone: int, deadline: float) -> dict[str, object]:
        """The same connections, all at once, each as many bare requests as a phone sent."""
        slots = [Slot(s.n) for s, _ in self.phones]
        sent: Counter[int] = Counter()

        def job(slot: Slot) -> None:
            if sent[slot.n] >= per_phone:
                raise Exhausted
            sent[slot.n] += 1
            if slot.bare is None:
                slot.bare = Browser(slot, self.ports["bare"])
            slot.bare.expect(200, "bare", "GET", "/ping")

        self.run(job, slots, t0, deadline)
        ended = max((b + e for s in slots for _, b, e, _ in s.records), default=t0)
        result = self.collect(slots, -math.inf, math.inf)
        result["ended"] = ended
        return result

    def acknowledged(self) -> list[tuple[str, int, str]]:
        found = [a for s in self.slots for a in s.acknowledged]
        for s in self.slots:
            s.acknowledged = []
        return found


def client_main(conn, index, procs, threads, ports, content, accept, quizzes_per_phone) -> None:  # type: ignore[no-untyped-def]
    clients = ClientProcess(index, procs, threads, ports, content, accept, quizzes_per_phone)
    while True:
        command = conn.recv()
        if command is None:
            break
        name, kwargs = command
        try:
            conn.send(("ok", getattr(clients, name)(**kwargs)))
        except Exception as exc:  # noqa: BLE001 - reported by the main process
            conn.send(("failed", repr(exc)))
    conn.close()


class Clients:
    """The client processes, seen from the main process."""

    def __init__(
        self,
        procs: int,
        threads: int,
        ports: dict[str, int],
        content: Content,
        accept: str,
        quizzes_per_phone: int,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.procs = []
        for index in range(procs):
            parent, child = context.Pipe()
            proc = context.Process(
                target=client_main,
                args=(child, index, procs, threads, ports, content, accept, quizzes_per_phone),
                daemon=True,
            )
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def send(self, command: str, each: list[dict[str, object]] | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        for i, pipe in enumerate(self.pipes):
            pipe.send((command, dict(kwargs, **(each[i] if each else {}))))

    def receive(self, timeout: float) -> list[dict[str, object]]:
        results = []
        for pipe in self.pipes:
            if not pipe.poll(max(1.0, timeout)):
                raise Failed("a client process did not answer in time")
            status, value = pipe.recv()
            if status != "ok":
                raise Failed(f"a client process failed: {value}")
            results.append(value)
        return results

    def call(self, command: str, timeout: float, **kwargs) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
        self.send(command, **kwargs)
        return self.receive(timeout)

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
