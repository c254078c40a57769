"""core/queue.py: services queue jobs by name; the apps' tasks.py give the names."""

import pytest
from huey.contrib.djhuey import HUEY, db_task

from hotline.core import queue


def test_every_job_a_service_queues_has_its_task():
    from hotline.customers.imports.jobs import RUN_IMPORT_JOB
    from hotline.notify.services import DELIVER_NOW_JOB

    for name in (RUN_IMPORT_JOB, DELIVER_NOW_JOB):
        assert hasattr(queue.task_for(name), "schedule"), name


def test_an_unknown_job_is_refused_with_its_name():
    with pytest.raises(LookupError, match="no-such-job"):
        queue.later("no-such-job")


def test_a_delayed_job_runs_inline_when_the_queue_is_immediate(monkeypatch):
    assert HUEY.immediate  # the test settings
    ran = []

    @db_task()
    def remember(value):
        ran.append(value)

    monkeypatch.setitem(queue._jobs, "test.remember", remember)
    queue.later("test.remember", 1)
    queue.later("test.remember", 2, delay=30)
    assert ran == [1, 2]


def test_two_tasks_cannot_share_a_job_name(monkeypatch):
    monkeypatch.setattr(queue, "_jobs", {})
    queue.job("test.one")(lambda: None)
    with pytest.raises(ValueError, match="test.one"):
        queue.job("test.one")(lambda: 1)
