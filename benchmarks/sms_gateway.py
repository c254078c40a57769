"""The fake SMS gateway of the outbox benchmark in a process of its own (benchmarks/measure_outages.py).

    python benchmarks/sms_gateway.py --api-key K --secret S [--delay SECONDS]

Runs ``hotline.notify.testing.FakeSmsGateway`` (a threaded HTTP server on 127.0.0.1 that checks the
API key, the timestamp and the HMAC signature as ``hotline.notify.gateways.HttpSmsGateway`` signs
them, and answers ``{"id": ...}``, each key once). In its own process it does not compete for the
GIL with the delivering workers, as a real gateway would not. Prints one JSON line ``{"url": …}``
when it listens, then answers commands read from standard input, one JSON line each:

    snapshot          counters (delivered, keys, duplicates, requests, rejected, statuses)
    keys <path>       writes {key: gateway id} of every accepted message to <path> as JSON
    reset             forgets the deliveries and counters
    quit              stops (also at the end of standard input)

Standard library and hotline.notify.testing only (no Django)."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.notify.testing import FakeSmsGateway  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    args = parser.parse_args()
    fake = FakeSmsGateway(api_key=args.api_key, secret=args.secret, delay=args.delay).start()

    def answer(data) -> None:
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()

    answer({"url": fake.url})
    try:
        for line in sys.stdin:
            command, _, rest = line.strip().partition(" ")
            if command == "snapshot":
                answer(fake.snapshot())
            elif command == "keys":
                with fake._lock:
                    keys = {key: d["id"] for key, d in fake.by_key.items()}
                Path(rest).write_text(json.dumps(keys))
                answer({"keys": len(keys)})
            elif command == "reset":
                fake.reset()
                answer({})
            elif command == "quit":
                break
            else:
                answer({"error": f"unknown command {command!r}"})
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
