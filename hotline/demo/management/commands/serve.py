"""Start the whole system: migrate, load the demo city if the database is empty, then run the web
server (gunicorn: console + API) and the task worker (huey) until Ctrl-C."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from hotline.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, demo_is_loaded, history_loading, history_marker


class Command(BaseCommand):
    help = "Run the web console, the API and the task worker together (Ctrl-C stops all)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo city into an empty database")
        parser.add_argument("--simulate-calls", type=float, default=float(os.environ.get("SIMULATE_CALLS", "0")),
                            metavar="PER_HOUR", help="also replay calls from the telephone system in real time, this "
                            "many an hour, ringing at the seats of operator (8001) and shiftlead (8000)")

    def handle(self, *args, host, port, web_workers, no_demo, simulate_calls, **options):
        began = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"database migrated, static files collected in {time.perf_counter() - began:.1f} s")
        from hotline.calls.cti import end_stale_calls

        ended = end_stale_calls(started_before=timezone.now())  # no call survives a restart as a live call
        if ended:
            self.stdout.write(f"{ended} call(s) left ringing or in conversation before this start: ended.")
        if not no_demo and not demo_is_loaded():
            self.stdout.write("Empty database: loading the demo city (organisation, accounts, bills; a few seconds); "
                              "its three weeks of calls and orders load while the server runs…")
            call_command("seed_demo", "--history-days", "0", stdout=self.stdout)
            history_marker().write_text("pending")
        python, manage = sys.executable, str(settings.BASE_DIR / "manage.py")
        web = subprocess.Popen([
            python, "-m", "gunicorn", "config.wsgi", "--bind", f"{host}:{port}", "--workers", str(web_workers),
            "--threads", "4", "--access-logfile", "-", "--graceful-timeout", "10",
        ], cwd=settings.BASE_DIR)
        children = [web]
        # Started once the demo's history is loaded: the worker's sweeps and the simulated calls would
        # otherwise act at the real now in the middle of a history still being written in the past.
        later = [[python, manage, "run_huey", "--quiet"]]
        if simulate_calls > 0:
            shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
            later.append([python, manage, "simulate_calls", "--create-token", "--url", f"http://{shown}:{port}",
                          "--rate", str(simulate_calls), "--start", "now", "--speed", "1", "--agents", "8001,8000",
                          "--quiet"])
        loader = None
        history_pending = history_loading()  # started once the web server answers: it must not slow its start
        worker = None

        def start_later() -> None:
            nonlocal worker
            started = [subprocess.Popen(command, cwd=settings.BASE_DIR) for command in later]
            worker = started[0]
            children.extend(started)

        if not history_pending:
            start_later()
        self._banner(host, port)
        self.stdout.write(f"started in {time.perf_counter() - began:.1f} s after this command's start (plus Python's "
                          f"and Django's start before it; {time.process_time():.1f} s of CPU in all)"
                          + ("; the demo's history loads in the background once it answers" if history_pending else ""))
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # The web server and the worker are essential; the call simulator may finish its day.
        while not stopping and web.poll() is None and (worker is None or worker.poll() is None):
            if history_pending and loader is None and _answers(host, port):
                self.stdout.write(f"The web server answers ({time.perf_counter() - began:.1f} s after this command's "
                                  "start): loading the demo's history behind a banner.")
                loader = subprocess.Popen([python, manage, "seed_demo", "--history-only"], cwd=settings.BASE_DIR)
                children.append(loader)
            if worker is None and loader is not None and loader.poll() is not None:
                self.stdout.write("The demo's history is loaded: starting the task worker.")
                start_later()
            time.sleep(0.5)
        if not stopping:
            self.stderr.write("A process exited unexpectedly; stopping the others.")
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Hotline stopped.")
        if not stopping:
            sys.exit(1)

    def _banner(self, host, port):
        shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
        lines = [
            "",
            "=" * 64,
            f"  Hotline is running: http://{shown}:{port}/",
            f"  API docs:           http://{shown}:{port}/api/v1/docs",
            f"  Demo logins (password: {DEMO_PASSWORD}):",
        ]
        lines += [f"    {username:<12} {role.label}" for username, role, _unit, _name in DEMO_LOGINS]
        lines += ["  Stop with Ctrl-C.", "=" * 64, ""]
        self.stdout.write("\n".join(str(line) for line in lines))


def _answers(host: str, port: int) -> bool:
    """The web server accepts connections and a worker answers (GET /healthz)."""
    import urllib.request

    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    try:
        with urllib.request.urlopen(f"http://{shown}:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False
