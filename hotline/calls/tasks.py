from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.calls.cti import end_stale_calls


@db_periodic_task(crontab(minute="*"))
def end_stale_live_calls() -> int:
    """Calls whose hangup never arrived stop showing as ringing or in conversation (CTI timeouts)."""
    return end_stale_calls()
