from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from hotline.outages.services import start_due


@db_periodic_task(crontab(minute="*"))
@lock_task("outages-start")
def start_outages() -> int:
    """Every minute: scheduled outages whose start has come are marked water-off."""
    return start_due()
