"""The platform sends the same case (or urge) several times at once: one order, one case, one urge;
every request gets the same answer. Real parallel transactions need PostgreSQL (the suite's second run)."""

import pytest

from hotline.core.testing import postgres_only, run_in_threads
from hotline.integrations.gov12345 import services
from hotline.integrations.gov12345.adapter import CaseIn, case_data
from hotline.integrations.models import Case, CaseUrge
from hotline.workorders.models import EventKind, WorkOrder

from .conftest import case_payload


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_of_a_case_make_one_order(city, platform_user):
    data = case_data(CaseIn(**case_payload()))

    results = run_in_threads(6, lambda i: services.case_receive(actor=platform_user, data=data))

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(created for _case, created in results) == [False] * 5 + [True]
    assert {case.pk for case, _created in results} == {Case.objects.get().pk}
    assert WorkOrder.objects.count() == 1
    assert all(case.answer == Case.objects.get().answer for case, _created in results)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_of_an_urge_urge_once(city, platform_user):
    case, _created = services.case_receive(actor=platform_user, data=case_data(CaseIn(**case_payload())))
    at = case.received_at

    results = run_in_threads(4, lambda i: services.case_urge(actor=platform_user, case=Case.objects.get(pk=case.pk),
                                                             urge_id="U1", at=at, content="请加快"))

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(created for _urge, created in results) == [False] * 3 + [True]
    assert CaseUrge.objects.count() == 1
    assert case.order.events.filter(kind=EventKind.URGED).count() == 1
