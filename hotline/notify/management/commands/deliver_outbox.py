import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from hotline.notify.gateways import default_gateway
from hotline.notify.services import Delivery, deliver_due


class Command(BaseCommand):
    help = ("Deliver due outbox messages with the configured gateway (SMS_GATEWAY_URL, else the OUTBOX_LOG "
            "file). Without --once it keeps going, waiting a second whenever nothing is due, until "
            "interrupted (Ctrl-C or SIGTERM: the batch in hand is finished first).")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="deliver what is due now, then stop")
        parser.add_argument("--batch", type=int, default=None,
                            help="messages claimed at a time (default: OUTBOX_BATCH)")
        parser.add_argument("--max", type=int, default=None, dest="max_messages",
                            help="stop after handling this many messages")

    def handle(self, *args, once, batch, max_messages, **options):
        if batch is not None and batch < 1:
            raise CommandError("--batch must be at least 1.")
        if max_messages is not None and max_messages < 1:
            raise CommandError("--max must be at least 1.")
        size = batch or settings.OUTBOX_BATCH
        gateway = default_gateway()
        stop = threading.Event()
        restore = self._stop_on_signals(stop)
        total = Delivery()
        started = time.monotonic()
        try:
            while not stop.is_set():
                # One batch per call, so that a stop request is honoured between batches.
                limit = size if max_messages is None else min(size, max_messages - total.handled)
                if limit <= 0:
                    break
                try:
                    done = deliver_due(gateway=gateway, batch=size, max_messages=limit)
                except DatabaseError as exc:
                    if once:
                        raise
                    # The database restarted or failed over: claims of this batch expire, try again.
                    self.stderr.write(f"database error, trying again in 5 s: {exc}")
                    connections.close_all()
                    stop.wait(5)
                    continue
                total.sent += done.sent
                total.retried += done.retried
                total.failed += done.failed
                if done.handled:
                    self.stdout.write(f"sent {done.sent}, retried {done.retried}, failed {done.failed}")
                    for error in done.errors[:3]:
                        self.stderr.write(f"  {error}")
                elif once:
                    break
                else:
                    stop.wait(1)
        finally:
            restore()
            if hasattr(gateway, "close"):
                gateway.close()
        elapsed = time.monotonic() - started
        self.stdout.write(f"total: sent {total.sent}, retried {total.retried}, failed {total.failed} "
                          f"in {elapsed:.1f} s ({gateway.name} gateway)")

    @staticmethod
    def _stop_on_signals(stop: threading.Event):
        """The first SIGINT/SIGTERM asks to stop after the current batch; a second one interrupts."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {}

        def handler(signum, frame):
            if stop.is_set():
                raise KeyboardInterrupt
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)

        def restore():
            for sig, old in previous.items():
                signal.signal(sig, old)

        return restore
