from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hotline.core.models import AuditEvent
from hotline.knowledge.models import Article, ArticleRevision
from hotline.knowledge.services import article_create
from hotline.org.roles import Role
from hotline.workorders.models import Subject


@pytest.fixture
def people(make_user):
    return {
        "operator": make_user(Role.OPERATOR, username="op"),
        "lead": make_user(Role.SHIFT_LEAD, username="lead"),
        "worker": make_user(Role.FIELD_WORKER, username="worker", unit="repair"),
        "dispatcher": make_user(Role.DISPATCHER, username="dispatcher", unit="repair"),
        "coordinator": make_user(Role.OUTAGE_COORDINATOR, username="coordinator"),
        "manager": make_user(Role.MANAGER, username="boss"),
        "admin": make_user(Role.ADMIN, username="root"),
        # An external system's user: no knowledge permission at all.
        "system": make_user(Role.INTEGRATION, username="billing"),
    }


@pytest.fixture
def subjects(catalogue) -> dict[str, Subject]:
    return {s.code: s for s in Subject.objects.select_related("group")}


@pytest.fixture
def write(people, subjects):
    """write(title, body, subject="frozen_meter", kind="script", keywords="") as the shift lead."""

    def make(title: str, body: str = "正文。", *, subject: str | None = None, kind: str = "script", keywords: str = "",
             actor=None) -> Article:
        return article_create(actor=actor or people["lead"], title=title, body=body, kind=kind, keywords=keywords,
                              subject=subjects[subject] if subject else None)

    return make


@pytest.fixture
def outage(people):
    """An emergency outage of 幸福家园 (written directly: only its fields matter here)."""
    from hotline.outages.models import Outage

    now = timezone.now()
    return Outage.objects.create(
        number="TS2026112500001", kind="emergency", status="active", reason="DN300供水管道爆管抢修",
        area_text="幸福家园1–6号楼", starts_at=now - timedelta(hours=1), expected_restore_at=now + timedelta(hours=4),
        supply_point="幸福家园北门送水车", created_at=now - timedelta(hours=1), created_by=people["coordinator"])


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def snapshot() -> tuple:
    """Everything a write of the knowledge base touches: to assert that a refusal changed nothing."""
    return (list(Article.objects.order_by("pk").values()), list(ArticleRevision.objects.order_by("pk").values()),
            AuditEvent.objects.filter(action__startswith="knowledge.").count())
