import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hotline.core.errors import DomainError
from hotline.customers.imports.jobs import import_job_for_path, import_job_run
from hotline.customers.models import ImportKind, ImportStatus
from hotline.org.models import User
from hotline.org.roles import Role


class Command(BaseCommand):
    help = "Import a billing-system file (CSV or XLSX; format in docs/billing-import.md): upsert by account number."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--kind", choices=[k.value for k in ImportKind], default=ImportKind.ACCOUNTS)
        parser.add_argument("--user", help="user name recorded as the importer (default: the first administrator)")
        parser.add_argument("--chunk-size", type=int, default=5000)

    def handle(self, *args, path, kind, user, chunk_size, **options):
        actor = (User.objects.filter(username=user) if user else
                 User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk")).first()
        if actor is None:
            raise CommandError(f"No user {user!r}." if user else "No administrator: create one or pass --user.")
        try:
            job = import_job_for_path(actor=actor, path=path, kind=kind)
        except DomainError as exc:
            raise CommandError(str(exc.message))
        started = time.perf_counter()
        tty = sys.stderr.isatty()

        def progress(job):
            total = f"/{job.total_rows}" if job.total_rows else ""
            line = f"{job.processed_rows}{total} rows ({job.percent}%), {job.error_count} errors"
            self.stderr.write(("\r" + line) if tty else line, ending="" if tty else "\n")

        job = import_job_run(job, path=path, on_progress=progress, chunk_size=chunk_size)
        if tty:
            self.stderr.write("")
        elapsed = time.perf_counter() - started
        for error in job.errors:
            self.stderr.write(f"line {error['line']}: {error['key']}: {error['message']}")
        if job.error_count > len(job.errors):
            self.stderr.write(f"… and {job.error_count - len(job.errors)} more errors")
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.failure)
        rate = job.processed_rows / elapsed if elapsed else 0
        self.stdout.write(
            f"{job.processed_rows} rows in {elapsed:.1f} s ({rate:.0f} rows/s): {job.created_count} created, "
            f"{job.updated_count} updated, {job.unchanged_count} unchanged, {job.error_count} errors (import #{job.pk})"
        )
