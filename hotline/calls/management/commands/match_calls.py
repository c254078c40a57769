"""Match the stored calls to their callers' accounts, premises and communities (calls.matching):
those the PBX reported before matching existed, and those logged with an account before the call
had a premise and community of its own. Batched and idempotent: a second run matches nothing."""

import time

from django.core.management.base import BaseCommand, CommandError

from hotline.calls.matching import match_stored_calls


class Command(BaseCommand):
    help = "Match stored calls to the caller's account(s), premise and community (batched, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="calls per batch (one transaction each)")
        parser.add_argument("--days", type=int, default=0, help="only calls of the last N days (0: all)")

    def handle(self, *args, batch: int, days: int, **options):
        from datetime import timedelta

        from django.utils import timezone

        if batch < 1 or days < 0:
            raise CommandError("--batch must be at least 1 and --days at least 0.")
        since = timezone.now() - timedelta(days=days) if days else None
        started = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int, matched: int) -> None:
            if time.monotonic() - last[0] >= 1 or done >= total:
                last[0] = time.monotonic()
                self.stdout.write(f"{done}/{total} calls checked, {matched} matched")

        result = match_stored_calls(batch=batch, since=since, progress=progress)
        self.stdout.write(self.style.SUCCESS(
            f"Done: {result['checked']} calls checked, {result['matched']} matched "
            f"in {time.monotonic() - started:.1f} s."))
