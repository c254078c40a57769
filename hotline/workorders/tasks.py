from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.workorders.services import callback_sweep, sla_sweep


# No lock: two sweeps at once are safe. Each order is urged in its own transaction that locks the row
# (SELECT … FOR UPDATE; on SQLite the IMMEDIATE transaction holds the write lock) and checks again that
# its next urge is due and its level higher, so a level is urged once; a killed sweep's open transaction
# is rolled back and the next sweep (a minute later, on any worker) takes the order again.
@db_periodic_task(crontab(minute="*"))
def sla_sweep_task() -> int:
    """Every minute: reminders, urge notices and escalations of orders reaching their deadlines."""
    return sla_sweep() + callback_sweep()
