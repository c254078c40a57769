from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from hotline.integrations.gov12345.services import close_replied


@db_periodic_task(crontab(minute="*/5"))
@lock_task("gov12345-close-replied")
def close_replied_cases() -> int:
    """Every five minutes: close the 12345 orders whose final reply reached the platform but whose
    close did not follow (the worker stopped between the two)."""
    return close_replied()
