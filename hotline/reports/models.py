"""Day rollups of the period reports (see ``reports.rollups``): the counts of each closed local day, kept so
that a report over a year adds up a few hundred rows per day instead of grouping millions of records.

* ``DayFact`` — one count vector of one day: its dimension (``dim``: calls by subject, orders by unit …), its
  keys and up to ``VALUES`` numbers, whose meaning the dimension gives (``reports.facts``).
* ``RollupDay`` — that a day's facts of one kind (calls or orders) were built, for which time zone, and the
  window of moments in which the order counts hold (they depend on which deadlines have passed).
* ``RollupDirty`` — written by database triggers (``reports.triggers``) when a call or a work order of a
  closed day is inserted, changed or deleted: the UTC quarter-hour of its time. A day with a dirty
  quarter-hour is built again before a report uses it."""

from django.db import models

VALUES = 19  # the longest count vector: the work-order KPI counts (reports.facts.ORDER_VECTOR)


class Kind(models.TextChoices):
    CALLS = "calls", "calls"
    ORDERS = "orders", "orders"


class DayFact(models.Model):
    kind = models.CharField(max_length=8, choices=Kind.choices)
    day = models.DateField()
    dim = models.CharField(max_length=16)
    key1 = models.CharField(max_length=100, blank=True)
    key2 = models.CharField(max_length=32, blank=True)
    # v0 … v18: floats, so that a call's talk time (seconds) sums with the counts (exact below 2**53).
    locals().update({f"v{i}": models.FloatField(default=0) for i in range(VALUES)})

    class Meta:
        indexes = [models.Index(fields=["kind", "day"], name="dayfact_kind_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.dim} {self.key1} {self.key2}"


class RollupDay(models.Model):
    kind = models.CharField(max_length=8, choices=Kind.choices)
    day = models.DateField()
    time_zone = models.CharField(max_length=64)
    built_at = models.DateTimeField()
    # The order counts hold for a report made at a moment in [valid_from, valid_until) (None: unbounded):
    # between the latest deadline that had passed when they were counted and the next one.
    valid_from = models.DateTimeField(null=True)
    valid_until = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="rollupday_kind_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}"


class RollupDirty(models.Model):
    kind = models.CharField(max_length=8, choices=Kind.choices)
    slot = models.BigIntegerField()  # floor(epoch seconds / 900) of the changed record's time

    class Meta:
        indexes = [models.Index(fields=["kind", "slot"], name="rollupdirty_kind_slot")]

    def __str__(self) -> str:
        return f"{self.kind} {self.slot}"
