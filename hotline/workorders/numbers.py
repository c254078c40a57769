"""Human-readable order numbers: GD + local date + five-digit sequence (GD2026112500042), unique
under concurrency: the day's counter is incremented with one UPDATE inside the caller's
transaction, so concurrent creators queue on that row and never draw the same number."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hotline.workorders.models import OrderSequence


def next_order_number(prefix: str = "GD") -> str:
    day = timezone.localdate().strftime("%Y%m%d")
    if not OrderSequence.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                OrderSequence.objects.create(day=day, last=1)
        except IntegrityError:  # another transaction created the day's row first
            OrderSequence.objects.filter(day=day).update(last=F("last") + 1)
    last = OrderSequence.objects.values_list("last", flat=True).get(day=day)
    return f"{prefix}{day}{last:05d}"
