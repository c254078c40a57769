from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.org.models import LoginFailure


@db_periodic_task(crontab(minute="17"))
def purge_login_failures() -> int:
    """Failed logins older than the throttling window are no longer needed."""
    cutoff = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    deleted, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    return deleted
