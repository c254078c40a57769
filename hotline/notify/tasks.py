from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from hotline.core import queue
from hotline.core.leases import lease
from hotline.notify.services import DELIVER_NOW_JOB, deliver_due

# Lock: the lease "outbox" (hotline.core.leases), renewed between messages. One delivery at a time keeps
# the other worker threads free for the sweeps and the gateway's rate as configured. Correctness does not
# rest on it: claims (FOR UPDATE SKIP LOCKED, claim expiry) already make two deliveries at once safe, so a
# delivery that loses its lease hands back the rest of its batch and stops. A killed worker's lease expires
# after TASK_LEASE_SECONDS, its claims after OUTBOX_CLAIM_SECONDS; the next delivery takes both.


@db_periodic_task(crontab(minute="*"))
def deliver_outbox() -> dict | None:
    """Every minute: send what is due (retries after their backoff, claims of a killed worker)."""
    return _deliver()


@queue.job(DELIVER_NOW_JOB)
@db_task(retries=0)
def deliver_outbox_now() -> dict | None:
    """Queued when a transaction that wrote messages commits: send them now, not within a minute.
    If a delivery is already running it picks these up too (it runs until nothing is due)."""
    return _deliver()


def _deliver() -> dict | None:
    with lease("outbox") as held:
        if held is None:  # another worker is delivering
            return None
        done = deliver_due(seconds=50, keep=held.keep)
        return {"sent": done.sent, "retried": done.retried, "failed": done.failed}
