"""A per-request time budget, checked between stages and inside the long ones (Python cannot stop
a running thread).

gunicorn's timeout does not stop a slow request under gthread workers, so the engine checks
its budget at every stage boundary and gives up with ``BudgetExceeded``. A stage that may run
long on a hostile document (a million short lines) also checks it inside its loop, or between
bounded chunks of its work, with ``checkpoint``: the deadline of the request being served is
made ``active`` around the engine's call (answer.build_answer), so a stage deep inside the
engine checks it without a parameter through every layer. No stage then runs more than one
bounded step past the budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

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


# the deadline of the request this thread (context) is serving, for checks inside the stages
_ACTIVE: ContextVar[Deadline | None] = ContextVar("winnow_deadline", default=None)


@contextmanager
def active(deadline: Deadline | None) -> Iterator[None]:
    """Make ``deadline`` the one ``checkpoint`` checks, for the calls inside the block."""
    token = _ACTIVE.set(deadline)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def checkpoint(stage: str, reserve_s: float = 0.0) -> None:
    """Check the active deadline from inside a stage (nothing without one: the CLI, training, tests).

    ``reserve_s``: what the stages after this one will take without checking the deadline
    themselves; the request gives up now if less than that is left, rather than after them."""
    deadline = _ACTIVE.get()
    if deadline is None:
        return
    if reserve_s > 0 and deadline.remaining() < reserve_s:
        raise BudgetExceeded(stage, deadline.budget_s)
    deadline.check(stage)


def checked(items: Iterable[T], stage: str, every: int = 4096) -> Iterable[T]:
    """``items``, with the active deadline checked every ``every`` of them: a stage's long loop.
    Without an active deadline, ``items`` itself (nothing is added to the loop)."""
    deadline = _ACTIVE.get()
    if deadline is None:
        return items
    return _checked(items, deadline, stage, every)


def _checked(items: Iterable[T], deadline: Deadline, stage: str, every: int) -> Iterator[T]:
    countdown = every
    for item in items:
        countdown -= 1
        if not countdown:
            countdown = every
            deadline.check(stage)
        yield item
