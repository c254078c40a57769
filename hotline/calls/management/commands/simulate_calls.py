"""Replay a realistic day of calls as CTI events against a running server (hotline/calls/simulator.py).

    manage.py simulate_calls --create-token                     # a normal day (120 calls), 60× faster, to :8000
    manage.py simulate_calls --day-kind special --speed 120 --token hl_…
    manage.py simulate_calls --rate 600 --speed 0 --duration 30 --secret S   # load: as fast as possible
"""

import json
import os
import random
import signal
import threading
import time
from datetime import date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from hotline.calls.simulator import DAY_KINDS, DEFAULT_CALLS, CtiSender, plan_day, replay

KNOWN_SAMPLE = 2000  # demo accounts' phones drawn for the callers who are customers


class Command(BaseCommand):
    help = ("Replay a day of calls as CTI events (ringing, answered, hangup) against a running server over "
            "HTTP, and print what was sent and how the server answered.")

    def add_arguments(self, parser):
        parser.add_argument("--url", default=os.environ.get("HOTLINE_URL", "http://127.0.0.1:8000"),
                            help="the server (default http://127.0.0.1:8000, or env HOTLINE_URL)")
        volume = parser.add_mutually_exclusive_group()
        volume.add_argument("--calls", type=int, help=f"the day's calls (default {DEFAULT_CALLS}, a normal day)")
        volume.add_argument("--day-kind", choices=DAY_KINDS,
                            help="a day's volume as the demo history draws it: normal 82–125, special 160–230, "
                                 "record 300–340")
        volume.add_argument("--rate", type=float, help="calls per hour, constant all day")
        parser.add_argument("--date", type=date.fromisoformat, help="the day whose timeline is replayed (default today)")
        parser.add_argument("--start", default="00:00",
                            help="HH:MM: begin the replay at this time of the day, or 'now' (default 00:00)")
        parser.add_argument("--speed", type=float, default=60.0,
                            help="time compression: 60 = an hour a minute (default), 1 = real time, 0 = as fast "
                                 "as the server answers (load test)")
        parser.add_argument("--duration", type=float, help="stop after this many seconds of wall time")
        parser.add_argument("--agents", help="extensions of the seats rung, comma-separated (default: the operators' "
                                             "extensions in the database)")
        parser.add_argument("--concurrency", type=int, default=4, help="parallel senders (default 4)")
        parser.add_argument("--client", choices=CtiSender.CLIENTS, default="httpx",
                            help="HTTP client: httpx (default), or stdlib (http.client: a third of the CPU per "
                                 "request, for load tests on the server's machine)")
        parser.add_argument("--seed", type=int, help="random seed (default: a random one, printed)")
        parser.add_argument("--prefix", help="call ids are <prefix>-<yyyymmdd>-<n> (default: sim plus the time, "
                                             "so that every run's calls are new)")
        auth = parser.add_argument_group("authentication (one of)")
        auth.add_argument("--token", default=os.environ.get("CTI_TOKEN", ""),
                          help="bearer token (hl_…) of a user with role pbx (or env CTI_TOKEN)")
        auth.add_argument("--secret", default=os.environ.get("CTI_SECRET", ""),
                          help="sign the requests with this shared secret, the server's CTI_SECRET (or env CTI_SECRET)")
        auth.add_argument("--create-token", action="store_true",
                          help="create a token for the pbx user in this database (made if missing), for a "
                               "server on the same database")
        parser.add_argument("--json", type=Path, help="write the plan's figures, the summary and the state each "
                                                      "call should now have to this file")
        parser.add_argument("--quiet", action="store_true", help="no progress lines")
        parser.add_argument("--progress-every", type=float, default=10.0, help="seconds between progress lines")

    def handle(self, *args, **o):
        if o["concurrency"] < 1:
            raise CommandError("--concurrency: 1 or more")
        if o["speed"] < 0:
            raise CommandError("--speed: 0 or more")
        if o["progress_every"] <= 0:
            raise CommandError("--progress-every: more than 0")
        token, secret = o["token"], o["secret"]
        if o["create_token"]:
            token = self._create_token()
        if not token and not secret:
            raise CommandError("Give --token hl_… (a user with role pbx), --secret (the server's CTI_SECRET) or "
                               "--create-token.")
        tz = timezone.get_current_timezone()
        day = o["date"] or timezone.localdate()
        start = self._start(o["start"])
        agents = [a.strip() for a in o["agents"].split(",") if a.strip()] if o["agents"] else self._agents()
        seed = o["seed"] if o["seed"] is not None else random.SystemRandom().randrange(10**6)
        prefix = o["prefix"] or f"sim{int(time.time()):x}"
        known = self._known_numbers(seed)
        try:
            plan = plan_day(day=day, tz=tz, agents=agents, calls=o["calls"], day_kind=o["day_kind"], rate=o["rate"],
                            known_numbers=known, seed=seed, prefix=prefix, start=start)
        except ValueError as exc:
            raise CommandError(str(exc))
        figures = plan.figures()
        speed = o["speed"]
        self.stdout.write(
            f"plan: {figures['calls']} calls on {day} from {plan.start:%H:%M} ({figures['how']}; day shift "
            f"{figures['day_shift']}, night shift {figures['night_shift']}), {figures['events']} events; outcomes "
            f"{figures['outcomes']}; callers {figures['callers']} ({len(known)} account phones to draw from); "
            f"agents {','.join(agents)}; seed {seed}, call ids {prefix}-…")
        self.stdout.write(f"sending to {o['url']} with {o['concurrency']} senders ({o['client']}), "
                          + ("as fast as possible" if not speed else f"{speed:g}× real time")
                          + (f", for at most {o['duration']:g} s" if o["duration"] else ""))
        sender = CtiSender(o["url"], token=token, secret=secret, client=o["client"])

        def progress(result):
            if o["quiet"]:
                return
            timeline = plan.start.timestamp() + result.elapsed * speed if speed else None
            where = f"{datetime.fromtimestamp(timeline, tz):%H:%M} on the timeline, " if timeline else ""
            self.stdout.write(f"  {result.elapsed:6.0f} s: {where}{result.sent} events sent, "
                              f"{result.sent - result.ok} errors")

        stop = threading.Event()
        # Stopped by serve (SIGTERM) as by Ctrl-C: the open calls are hung up before exiting.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
        try:
            result = replay(plan, sender, speed=speed, duration=o["duration"], concurrency=o["concurrency"],
                            progress=progress, progress_every=o["progress_every"], stop=stop)
        finally:
            signal.signal(signal.SIGTERM, previous)
        for line in result.lines():
            self.stdout.write(line)
        if o["json"]:
            o["json"].write_text(json.dumps({
                "plan": figures, "seed": seed, "prefix": prefix, "agents": agents, "summary": result.summary(),
                "expected": {call_id: list(v) for call_id, v in result.expected().items()},
            }, ensure_ascii=False, default=str))
        if result.sent and result.sent != result.ok:
            self.stderr.write(self.style.WARNING(f"{result.sent - result.ok} events were refused or failed"))

    def _start(self, text: str):
        if text == "now":
            return timezone.localtime().time().replace(microsecond=0)
        try:
            return datetime.strptime(text, "%H:%M").time()
        except ValueError:
            raise CommandError("--start: HH:MM or now")

    def _agents(self) -> list[str]:
        from hotline.org.models import User
        from hotline.org.roles import Role

        try:
            extensions = list(User.objects.filter(is_active=True, role__in=[Role.OPERATOR, Role.SHIFT_LEAD])
                              .exclude(extension__isnull=True).exclude(extension="")
                              .order_by("extension").values_list("extension", flat=True))
        except DatabaseError:
            extensions = []
        if not extensions:
            raise CommandError("No operator in this database has an extension: give --agents 8001,8002,…")
        return extensions

    def _known_numbers(self, seed: int) -> list[str]:
        """Up to KNOWN_SAMPLE account phones of this database (the demo city's when run against the demo)."""
        from hotline.customers.models import AccountPhone

        rng = random.Random(seed)
        try:
            last = AccountPhone.objects.order_by("-id").values_list("id", flat=True).first()
            if not last:
                return []
            ids = {rng.randint(1, last) for _ in range(KNOWN_SAMPLE)}
            return sorted(set(AccountPhone.objects.filter(id__in=ids).values_list("number", flat=True)))
        except DatabaseError:
            return []

    def _create_token(self) -> str:
        """The simulator's PBX token: the one made by an earlier run (kept in the data folder, 0600) while
        it is still valid, else a new one, kept for the next run. One token, not one per start."""
        from django.conf import settings

        from hotline.org.models import User
        from hotline.org.roles import Role
        from hotline.org.services import api_token_authenticate, api_token_create

        kept = Path(settings.DATA_DIR) / "simulator_token"
        if kept.exists():
            raw = kept.read_text().strip()
            user = api_token_authenticate(raw)
            if user is not None and user.role == Role.PBX:
                self.stdout.write(f"using the token kept in {kept} ({user.username}: {raw[:10]}…)")
                return raw
        admin = User.objects.filter(is_active=True, role=Role.ADMIN).order_by("id").first()
        if admin is None:
            raise CommandError("--create-token: this database has no administrator to create the token.")
        user, created = User.objects.get_or_create(username=settings.CTI_USER,
                                                   defaults={"role": Role.PBX, "full_name": "PBX"})
        if user.role != Role.PBX or not user.is_active:
            raise CommandError(f"--create-token: the user {user.username} is not an active pbx user.")
        if created:
            user.set_unusable_password()
            user.save()
        _token, raw = api_token_create(actor=admin, user=user, name="simulate_calls")
        try:
            kept.write_text(raw + "\n")
            kept.chmod(0o600)
        except OSError as exc:
            self.stderr.write(f"could not keep the token in {kept} ({exc}): the next run makes another")
        self.stdout.write(f"created a token for {user.username}: {raw[:10]}… (kept in {kept} for the next runs)")
        return raw
