from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.outages.services import start_due


# No lock: two runs at once are safe. An outage starts by a conditional UPDATE (only while it is still
# scheduled) in the transaction that writes its "started" event, so it starts once; a killed run's open
# transaction is rolled back and the next run (a minute later, on any worker) starts the rest.
@db_periodic_task(crontab(minute="*"))
def start_outages() -> int:
    """Every minute: scheduled outages whose start has come are marked water-off."""
    return start_due()
