"""Leases expire unless renewed, only their holder renews or frees them, and one conditional statement
takes them (see hotline.core.leases)."""

import time

import pytest

from hotline.core.leases import Held, lease, leased
from hotline.core.models import Lease
from hotline.core.testing import postgres_only, run_in_threads


def test_a_lease_is_taken_once_until_it_expires(db):
    first, second = Held("job", 0.5), Held("job", 0.5)
    assert first.acquire()
    assert not second.acquire()  # a live lease: another worker's start does not take it
    assert Lease.objects.get().holder == first.holder
    time.sleep(0.6)
    assert second.acquire()  # expired: taken
    assert Lease.objects.get().holder == second.holder


def test_only_the_holder_renews_or_frees_its_lease(db):
    dead, alive = Held("job", 0.3), Held("job", 0.3)
    assert dead.acquire()
    time.sleep(0.35)
    assert alive.acquire()
    dead.renewed = alive.renewed = 0.0  # due for renewal
    assert not dead.keep() and dead.lost  # it expired and was taken: lost, and stays lost
    assert not dead.keep()
    dead.release()  # frees nothing of the new holder
    assert Lease.objects.get().holder == alive.holder
    assert alive.keep() and not alive.lost
    alive.release()
    assert not Lease.objects.exists()


def test_renewing_keeps_the_lease_beyond_its_first_term(db):
    held, other = Held("job", 0.6), Held("job", 0.6)
    assert held.acquire()
    for _ in range(4):  # 0.8 s in all, longer than the lease
        time.sleep(0.2)
        assert held.keep()
    assert not other.acquire()


def test_keep_goes_to_the_database_only_now_and_then(db, django_assert_num_queries):
    held = Held("job", 60)
    assert held.acquire()
    with django_assert_num_queries(0):
        assert all(held.keep() for _ in range(100))


def test_the_context_manager_and_the_decorator(db):
    with lease("job", 30) as held:
        assert held is not None and Lease.objects.get().holder == held.holder
        with lease("job", 30) as again:
            assert again is None  # held by the outer block
    assert not Lease.objects.exists()  # released at the end

    @leased("job")
    def work(n, *, held):
        return n, held.name

    assert work(1) == (1, "job")
    with lease("job", 30):
        assert work(2) is None
    with pytest.raises(ZeroDivisionError), lease("job", 30):
        raise ZeroDivisionError
    assert not Lease.objects.exists()  # released after an error too


@postgres_only
def test_workers_starting_at_once_take_the_lease_once(transactional_db):
    results = run_in_threads(8, lambda i: Held("job", 30).acquire())
    assert sorted(results) == [False] * 7 + [True]
