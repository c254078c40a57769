import time

from django.core.management.base import BaseCommand, CommandError

from hotline.demo.seed import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    demo_is_loaded,
    history_marker,
    seed_demo,
    seed_demo_history,
)


class Command(BaseCommand):
    help = ("Load the demo city (清源市): organisation, staff of every role, communities, accounts, bills "
            "and weeks of calls and work orders.")

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=5000, help="number of customer accounts (default 5000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same city")
        parser.add_argument("--bills-months", type=int, default=6, help="months of bills per account (0 for none)")
        parser.add_argument("--history-days", type=int, default=21,
                            help="days of calls and work orders up to now (default 21, 0 for none)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the demo city is already loaded")
        parser.add_argument("--history-only", action="store_true",
                            help="load only the history, into a database holding the demo's base (manage.py "
                                 "serve does this behind a banner after loading the base)")

    def handle(self, *args, accounts, seed, bills_months, history_days, if_empty, history_only, **options):
        if history_only:
            return self._history(seed=seed, history_days=history_days)
        if demo_is_loaded():
            if if_empty:
                self.stdout.write("demo city already loaded")
                return
            raise CommandError("The database already holds the demo organisation; use an empty database.")
        if accounts < 0:
            raise CommandError("--accounts must be >= 0")
        if history_days < 0:
            raise CommandError("--history-days must be >= 0")
        started = time.perf_counter()
        seed_demo(accounts=accounts, seed=seed, bills_months=bills_months, history_days=history_days,
                  log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"demo city loaded in {time.perf_counter() - started:.1f} s"))
        logins = ", ".join(username for username, *_ in DEMO_LOGINS)
        self.stdout.write(f"logins (password {DEMO_PASSWORD}): {logins}")

    def _history(self, *, seed: int, history_days: int) -> None:
        """The history, once: the marker file says it is to load; it is removed when done (the banner
        goes). A load that was interrupted is not repeated (its rows are there): it says so."""
        from hotline.calls.models import Call

        marker = history_marker()
        if not demo_is_loaded():
            raise CommandError("--history-only: load the demo's base first (seed_demo --history-days 0).")
        if Call.objects.exists() and not (marker.exists() and marker.read_text().strip() == "pending"):
            marker.unlink(missing_ok=True)
            self.stdout.write("demo history: already there (or an earlier load was interrupted): not loaded again")
            return
        marker.write_text("loading")
        started = time.perf_counter()
        try:
            seed_demo_history(seed=seed, history_days=history_days, log=self.stdout.write)
        finally:
            marker.unlink(missing_ok=True)
        self.stdout.write(self.style.SUCCESS(f"demo history loaded in {time.perf_counter() - started:.1f} s"))
