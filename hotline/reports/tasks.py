from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from hotline.reports.rollups import refresh


@db_periodic_task(crontab(minute="*/10"))
@lock_task("report-rollups")
def refresh_report_rollups() -> dict:
    """Every ten minutes: count again the closed days whose calls or orders changed (and roll up each day
    as it closes), for up to four minutes, so that a period report finds its days ready."""
    return refresh(seconds=240)
