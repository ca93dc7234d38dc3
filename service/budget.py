"""A per-request time budget, checked between stages (Python cannot stop a running thread).

gunicorn's timeout does not stop a slow request under gthread workers, so the engine checks
its budget at every stage boundary and gives up with ``BudgetExceeded``: each stage is linear
in the input, so no request holds a worker for much longer than its budget.
"""

from __future__ import annotations

import time

# every place that checks the budget, as the metric's ``stage`` label (spaces become underscores):
# a fixed set, so the metric can show each stage at zero before it first happens
STAGES = ("reading the body", "html parsing", "waiting for the html parser", "readability", "html rendering",
          "segmentation", "tagging", "resolution")


class BudgetExceeded(Exception):
    """The request ran out of time; ``stage`` names where it noticed."""

    def __init__(self, stage: str, budget_s: float) -> None:
        if stage not in STAGES:
            raise ValueError(f"unknown budget stage {stage!r}: add it to budget.STAGES")
        super().__init__(f"the time budget of {budget_s:g} s ran out during {stage}")
        self.stage = stage
        self.budget_s = budget_s


class Deadline:
    """A point in monotonic time; ``check`` raises once it has passed."""

    __slots__ = ("budget_s", "_at")

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self._at = time.monotonic() + budget_s

    def remaining(self) -> float:
        return self._at - time.monotonic()

    def check(self, stage: str) -> None:
        if time.monotonic() > self._at:
            raise BudgetExceeded(stage, self.budget_s)


def check(deadline: Deadline | None, stage: str) -> None:
    """``deadline.check(stage)``, or nothing when there is no budget (the CLI, tests)."""
    if deadline is not None:
        deadline.check(stage)
