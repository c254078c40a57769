"""A time limit as written in an SLA rule, ``<n><unit>`` (``30m``, ``4h``, ``2d``, ``1wh``, ``3wd``): how it
is read. No import of the work orders' models, so that ``models.SlaRule.clean`` can use it while ``sla``
(deadlines) reads the models."""

import re
from dataclasses import dataclass

LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|d|wh|wd)\s*$")


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str

    @property
    def working(self) -> bool:
        return self.unit in {"wh", "wd"}


def parse_limit(text: str) -> Limit | None:
    """``"30m"`` → Limit(30, "m"); blank → None; anything else raises ValueError."""
    if not text or not text.strip():
        return None
    match = LIMIT.match(text.lower())
    if not match:
        raise ValueError(f"“{text}” is not a duration: use e.g. 30m, 4h, 2d, 1wh or 3wd.")
    return Limit(float(match[1]), match[2])
