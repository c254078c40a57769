"""The one way a service asks for work to be done later. Tasks call services, never the other way round:
a ``tasks.py`` is thin — it gives a job its name (``@queue.job("outbox.deliver")`` over the Huey task) and
calls a service — and a service queues that job by name with ``queue.later("outbox.deliver", …)``,
without importing the task.

The ``tasks`` modules of the installed apps are found by Django's usual discovery, the first time a job
is queued (the worker, ``run_huey``, imports them when it starts)."""

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import autodiscover_modules

_jobs: dict[str, Any] = {}
_discovered = False


def job(name: str) -> Callable[[Any], Any]:
    """Decorator for a Huey task (``@db_task``/``@task`` below it): ``later(name)`` queues it."""
    def register(task: Any) -> Any:
        known = _jobs.get(name)
        if known is not None and getattr(known, "name", known) != getattr(task, "name", task):
            raise ValueError(f"two tasks claim the job name {name!r}")
        _jobs[name] = task
        return task

    return register


def task_for(name: str) -> Any:
    global _discovered
    if name not in _jobs and not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"no task is registered for the job {name!r} (@queue.job in a tasks.py)") from None


def later(name: str, *args: Any, delay: float | None = None, **kwargs: Any) -> Any:
    """Queue the job ``name`` with these arguments, after ``delay`` seconds if given. With
    ``QUEUE_IMMEDIATE`` (tests, debugging) the job runs now, inline, even with a delay (it would never
    come). Answers Huey's result handle (or the job's result when it ran inline)."""
    task = task_for(name)
    if delay is None:
        return task(*args, **kwargs)
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return task(*args, **kwargs)
    return task.schedule(args=args, kwargs=kwargs, delay=delay)
