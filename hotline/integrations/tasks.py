from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.integrations.gov12345.services import close_replied


# No lock: two runs at once are safe. Each order is closed by a transition that locks its row and checks
# its status; the second close of the same order is refused (InvalidStateError) and skipped. A killed run's
# open transaction is rolled back and the next run (five minutes later, on any worker) closes the rest.
@db_periodic_task(crontab(minute="*/5"))
def close_replied_cases() -> int:
    """Every five minutes: close the 12345 orders whose final reply reached the platform but whose
    close did not follow (the worker stopped between the two)."""
    return close_replied()
