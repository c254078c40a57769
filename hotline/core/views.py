import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse

log = logging.getLogger(__name__)


@login_not_required
def health(request):
    """200 ``{"status": "ok", "checks": {...}}`` when the database and the task queue answer; 503 with
    the dependency that does not (``"database": "unavailable: …"``) otherwise."""
    checks = {"database": _check(_database), "queue": _check(_queue)}
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        return JsonResponse({"status": "unavailable", "down": down, "checks": checks}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # whatever the driver raises: the answer says which dependency is down
        log.warning("healthz: %s is down: %s", probe.__name__.strip("_"), exc)
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        connection.close_if_unusable_or_obsolete()
        raise


def _queue() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.storage.queue_size()
