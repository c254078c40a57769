"""Import jobs: the service that the upload page, the management command and the worker share."""

import logging
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import queue
from hotline.core.audit import audit
from hotline.core.errors import DomainError, ValidationError
from hotline.customers.imports import accounts, bills
from hotline.customers.imports.common import ImportResult
from hotline.customers.imports.readers import count_rows, file_format, read_rows
from hotline.customers.models import ImportJob, ImportKind, ImportStatus
from hotline.org.roles import Perm, require_perm

log = logging.getLogger(__name__)

IMPORTERS = {
    ImportKind.ACCOUNTS: (accounts.AccountImporter, accounts.COLUMNS, accounts.REQUIRED),
    ImportKind.BILLS: (bills.BillImporter, bills.COLUMNS, bills.REQUIRED),
}
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
RUN_IMPORT_JOB = "customers.run_import"  # tasks.run_import
# After a big import the planner's statistics are stale (or missing on a new database), and the
# PostgreSQL planner then picks parallel scans for 20-row lookups: refresh them.
ANALYZE_AFTER_ROWS = 10000
CUSTOMER_TABLES = ["customers_account", "customers_accountphone", "customers_premise", "customers_meter",
                   "customers_building", "customers_community"]


def refresh_statistics() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(CUSTOMER_TABLES)}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
            for table in CUSTOMER_TABLES:
                cursor.execute(f"ANALYZE {table}")


def import_job_create(*, actor, upload: UploadedFile, kind: str = ImportKind.ACCOUNTS) -> ImportJob:
    """Store an uploaded file and queue its import; the worker runs it (``tasks.run_import``, the job
    ``RUN_IMPORT_JOB``)."""
    require_perm(actor, Perm.CUSTOMER_IMPORT)
    if kind not in IMPORTERS:
        raise ValidationError(_("Unknown import kind."), fields={"kind": _("Choose accounts or bills.")})
    if upload is None:
        raise ValidationError(_("Choose a file to import."), fields={"file": _("This field is required.")})
    file_format(upload.name)  # refuses other types before anything is stored
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 512 MB."), fields={"file": _("File too large.")})
    with transaction.atomic():
        job = ImportJob(kind=kind, original_name=upload.name[:200], created_by=actor)
        job.file.save(Path(upload.name).name, upload, save=False)
        job.save()
        audit(actor=actor, action="import.queued", target=job, file=job.original_name, kind=kind)
        transaction.on_commit(lambda: queue.later(RUN_IMPORT_JOB, job.pk))
    return job


def import_job_for_path(*, actor, path: Path, kind: str = ImportKind.ACCOUNTS) -> ImportJob:
    """A job for a file already on disk (management command); run it with ``import_job_run``."""
    require_perm(actor, Perm.CUSTOMER_IMPORT)
    file_format(path.name)
    if not path.is_file():
        raise ValidationError(_("No such file: %(path)s") % {"path": path})
    job = ImportJob.objects.create(kind=kind, original_name=str(path)[:200], created_by=actor)
    audit(actor=actor, action="import.started", target=job, file=str(path), kind=kind)
    return job


def import_job_run(job: ImportJob, *, path: Path | None = None, on_progress=None,
                   chunk_size: int = 2000) -> ImportJob:
    """Run an import job to its end, recording progress after every chunk."""
    path = path or Path(job.file.path)
    importer_class, columns, required = IMPORTERS[job.kind]
    job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
    job.total_rows = count_rows(path)
    job.save(update_fields=["status", "started_at", "total_rows"])

    def progress(result: ImportResult) -> None:
        _record(job, result)
        job.save(update_fields=["processed_rows", "total_rows", "created_count", "updated_count", "unchanged_count",
                                "error_count", "errors"])
        if on_progress:
            on_progress(job)

    try:
        importer = importer_class(chunk_size=chunk_size, error_limit=ImportJob.ERRORS_KEPT, on_progress=progress)
        result = importer.run(read_rows(path, columns, required))
        _record(job, result)
        job.status = ImportStatus.DONE
        if result.created + result.updated >= ANALYZE_AFTER_ROWS:
            refresh_statistics()
    except DomainError as exc:
        job.status, job.failure = ImportStatus.FAILED, str(exc.message)
    except Exception as exc:  # the job must end in a visible state, whatever happened
        log.exception("import job %s failed", job.pk)
        job.status, job.failure = ImportStatus.FAILED, f"{type(exc).__name__}: {exc}"
    job.finished_at = timezone.now()
    job.save()
    return job


def _record(job: ImportJob, result: ImportResult) -> None:
    job.processed_rows = result.processed
    if job.total_rows is not None and result.processed > job.total_rows:
        job.total_rows = None  # the count was a guess (an XLSX's declared dimension): unknown
    job.created_count, job.updated_count, job.unchanged_count = result.created, result.updated, result.unchanged
    job.error_count, job.errors = result.error_count, result.errors
