"""The content model's own logic: scenario grading (partial credit), the stored answer keys of a
scenario, and how its parts group into messages."""

from __future__ import annotations

import pytest

from canhgiac.content.model import (
    Flag,
    Part,
    Scenario,
    Text,
    scenario_answer,
    scenario_keys,
)


def scam(flags: tuple[str, ...] = ("link", "khoa", "gap")) -> Scenario:
    parts = tuple(Part(pid, Text.of(pid)) for pid in ("cu", "khoa", "gap", "link"))
    return Scenario(
        "sms",
        Text.of("Ngân hàng"),
        (*parts, Part("hoi", Text.of("?"), by="me")),
        "scam",
        tuple(Flag(pid, Text.of("vì"), n) for n, pid in enumerate(flags, 1)),
    )


SAFE = Scenario(
    "sms", Text.of("Ngân hàng"), (Part("a", Text.of("a")), Part("b", Text.of("b"))), "safe"
)


@pytest.mark.parametrize(
    ("verdict", "tapped", "correct", "credit"),
    [
        ("scam", {"link", "khoa", "gap"}, True, 100),  # every flag, nothing wrong
        ("scam", set(), True, 50),  # the verdict alone
        ("scam", {"link"}, True, 66),  # 50 + 50 x 1/3, rounded down
        ("scam", {"link", "khoa"}, True, 83),
        ("scam", {"link", "khoa", "cu"}, True, 66),  # a wrong mark cancels a flag found
        ("scam", {"link", "cu", "sender"}, True, 50),  # never below the verdict's 50
        ("scam", {"link", "khoa", "gap", "cu", "sender"}, True, 66),  # marking everything
        ("safe", {"link", "khoa", "gap"}, False, 0),  # the wrong verdict: nothing
        (None, {"link", "khoa", "gap"}, False, 0),
    ],
)
def test_scam_grade(verdict: str | None, tapped: set[str], correct: bool, credit: int) -> None:
    grade = scam().grade(verdict, tapped)
    assert (grade.correct, grade.credit) == (correct, credit)


@pytest.mark.parametrize(
    ("tapped", "credit"),
    [(set(), 100), ({"a"}, 75), ({"a", "b"}, 50), ({"a", "b", "sender"}, 50)],
)
def test_safe_grade(tapped: set[str], credit: int) -> None:
    grade = SAFE.grade("safe", tapped)
    assert grade.correct and grade.credit == credit
    assert grade.found == grade.missed == ()
    assert SAFE.grade("scam", set()).credit == 0


def test_grade_lists_found_missed_and_wrong_in_message_order() -> None:
    grade = scam().grade("scam", {"gap", "sender", "cu"})
    assert [f.part for f in grade.found] == ["gap"]
    assert [f.part for f in grade.missed] == ["link", "khoa"]  # in the scenario's flag order
    assert grade.wrong == ("sender", "cu")  # in the order they are shown
    assert grade.credit == 50


def test_scenario_keys_round_trip() -> None:
    keys = scenario_keys("scam", {"link", "sender"})
    assert keys == {"scam", "f:link", "f:sender"}
    assert scenario_answer(keys) == ("scam", frozenset({"link", "sender"}))
    assert scenario_answer(frozenset({"safe"})) == ("safe", frozenset())
    assert scenario_answer(frozenset({"f:a"})) == (None, frozenset({"a"}))


def test_messages_group_runs_of_one_speaker() -> None:
    parts = (
        Part("a", Text.of("a")),
        Part("b", Text.of("b")),
        Part("c", Text.of("c"), new=True),
        Part("d", Text.of("d"), by="me"),
        Part("e", Text.of("e"), by="me"),
        Part("f", Text.of("f")),
    )
    s = Scenario("chat", Text.of("Lan"), parts, "safe")
    assert [[p.id for p in m] for m in s.messages] == [["a", "b"], ["c"], ["d", "e"], ["f"]]
    assert s.tappable == ("sender", "a", "b", "c", "f")


@pytest.mark.parametrize(
    ("sender", "initial"),
    [
        ("Cháu Hà", "H"),
        ("Chị Hoa xưởng may", "H"),
        ("Công an phường", "C"),
        ("lan", "L"),
        ("", "?"),
    ],
)
def test_avatar_initial(sender: str, initial: str) -> None:
    assert Scenario("chat", Text.of(sender), (), "safe").initial == initial
