import time

from django.core.management.base import BaseCommand, CommandError

from hotline.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, demo_is_loaded, seed_demo


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

    def handle(self, *args, accounts, seed, bills_months, history_days, if_empty, **options):
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
