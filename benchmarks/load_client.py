"""One client of the sustained-create test (measure_history.concurrency): one persistent HTTP connection,
POST /api/v1/orders as fast as the server answers, from --start-at for --duration seconds.
Standard library only (no Django: a client process must not cost the server's cores more than needed).
Writes {statuses, latencies (ms), numbers (of the 201s), errors, elapsed} to --out."""

import argparse
import http.client
import json
import random
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--accounts", required=True, help="JSON list of account numbers")
    parser.add_argument("--start-at", type=float, required=True, help="epoch seconds")
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    accounts = json.loads(Path(args.accounts).read_text())
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json",
               "Connection": "keep-alive"}
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)

    def post():
        body = json.dumps({"request_type": "repair", "subject": "branch_leak", "title": "小区绿化带冒水，疑似支管漏水",
                           "account_no": rng.choice(accounts), "auto_dispatch": True})
        conn.request("POST", "/api/v1/orders", body, headers)
        response = conn.getresponse()
        return response.status, response.read()

    statuses: dict[str, int] = {}
    latencies, numbers, errors = [], [], []
    warm_numbers = []
    for _ in range(args.warmup):  # not timed; the orders are reported apart for the check
        status, content = post()
        if status == 201:
            warm_numbers.append(json.loads(content)["number"])
    time.sleep(max(0.0, args.start_at - time.time()))
    # A fresh connection for the timed window: the server closes keep-alive connections idle for a few
    # seconds (gunicorn --keep-alive, 2 s by default), as this one was while the others warmed up.
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    conn.connect()
    started = time.time()
    end = started + args.duration
    while time.time() < end:
        t = time.perf_counter()
        try:
            status, content = post()
        except (OSError, http.client.HTTPException) as exc:
            statuses["exception"] = statuses.get("exception", 0) + 1
            errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            continue
        latencies.append((time.perf_counter() - t) * 1000)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status == 201:
            numbers.append(json.loads(content)["number"])
        elif len(errors) < 20:
            errors.append(f"HTTP {status}: {content[:300]!r}")
    elapsed = time.time() - started
    Path(args.out).write_text(json.dumps({"statuses": statuses, "latencies": latencies, "numbers": numbers,
                                          "errors": errors, "elapsed": elapsed, "warmup_numbers": warm_numbers}))


if __name__ == "__main__":
    main()
