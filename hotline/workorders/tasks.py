from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from hotline.workorders.services import sla_sweep


@db_periodic_task(crontab(minute="*"))
@lock_task("sla-sweep")
def sla_sweep_task() -> int:
    """Every minute: reminders, urge notices and escalations of orders reaching their deadlines."""
    return sla_sweep()
