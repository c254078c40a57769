from django.db import connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="40"))
def refresh_planner_statistics() -> None:
    """Nightly: SQLite has no autovacuum; keep the planner's statistics fresh as tables grow
    (PostgreSQL's autovacuum does this by itself)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("PRAGMA optimize=0x10002")
