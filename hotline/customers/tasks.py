from huey.contrib.djhuey import db_task

from hotline.core import queue
from hotline.customers.imports.jobs import RUN_IMPORT_JOB, import_job_run
from hotline.customers.models import ImportJob, ImportStatus


@queue.job(RUN_IMPORT_JOB)
@db_task(retries=2, retry_delay=30)
def run_import(job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id, status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]).first()
    if job is not None:
        import_job_run(job)
