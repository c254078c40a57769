import time
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.core.leases import Held, leased
from hotline.reports.rollups import refresh

SECONDS = 240


# Lock: the lease "report-rollups" (hotline.core.leases), renewed between steps. Two builds at once would
# be correct (a day is built in one transaction that locks its RollupDay row) but would count the same
# days twice for minutes; a killed worker's lease expires after TASK_LEASE_SECONDS and the next run goes
# on with the days still to build.
@db_periodic_task(crontab(minute="*/10"))
@leased("report-rollups")
def refresh_report_rollups(held: Held) -> dict:
    """Every ten minutes: count again the closed days whose calls or orders changed (and roll up each day
    as it closes), for up to four minutes, so that a period report finds its days ready."""
    started = time.monotonic()
    total: dict[str, Any] = {"built": {}, "rows": 0, "left": 0}
    while held.keep():
        # Steps of a quarter of the lease time, renewing it in between.
        done = refresh(seconds=min(held.seconds / 4, max(0.0, SECONDS - (time.monotonic() - started))))
        total = {"built": {kind: total["built"].get(kind, 0) + n for kind, n in done["built"].items()},
                 "rows": total["rows"] + done["rows"], "left": done["left"]}
        if not done["left"] or time.monotonic() - started > SECONDS:
            break
    total["seconds"] = round(time.monotonic() - started, 2)
    return total
