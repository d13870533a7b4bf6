"""How well a question separates residents with strong results from those with weak ones.

The index is the *corrected item-rest correlation* (a point-biserial correlation): over the
finished attempts of a quiz, the Pearson correlation between answering this question right
(1 or 0) and the attempt's *rest score*, the number of the other questions answered right.
The question itself is left out of the score so that it does not correlate with itself, which
matters for short quizzes.

It runs from -1 to 1. Rules of thumb used on the pages: 0.30 and above separates well,
0.20 to 0.30 fairly, below 0.20 poorly; a negative index means that residents who do well
overall miss this question more often than the others (a wrong key, a trick question or an
ambiguous wording): review it first. It is undefined (shown as "—") when everyone answered
the same way or every rest score is the same.

SQL gives five sums per question (queries.question_stats); this module only does the last
arithmetic, on a handful of integers per question.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["GOOD", "POOR", "ItemSums", "item_rest_correlation"]

#: At or above: the question separates well.
GOOD = 0.30
#: Below: the question separates poorly.
POOR = 0.20


@dataclass(frozen=True)
class ItemSums:
    """Sums over the finished attempts that answered a question: x is 1 for a right answer,
    0 for a wrong one; y is the rest score."""

    n: int = 0
    x: int = 0  # sum of x (right answers); x * x == x
    y: int = 0  # sum of y
    xy: int = 0  # sum of x * y
    yy: int = 0  # sum of y * y


def item_rest_correlation(s: ItemSums) -> float | None:
    """Pearson's r between x and y from their sums, or None when it is undefined."""
    if s.n < 2:
        return None
    covariance = s.n * s.xy - s.x * s.y
    spread_x = s.n * s.x - s.x * s.x
    spread_y = s.n * s.yy - s.y * s.y
    if spread_x <= 0 or spread_y <= 0:
        return None
    r = covariance / math.sqrt(spread_x * spread_y)
    return max(-1.0, min(1.0, r))
