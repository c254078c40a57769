"""Erlang C against the known vector (NOTES.md) and its properties."""

import math

import pytest

from hotline.reports.erlang import agents_needed, erlang_b, erlang_c, scheduled_agents, staffing_for, traffic


def test_the_known_vector():
    # 100 calls in 30 min, AHT 180 s, 80 % within 20 s.
    s = agents_needed(100, aht=180, target_level=0.8, target_seconds=20, interval=1800)
    assert s.traffic == 10.0 and s.agents == 14
    assert s.wait_probability == pytest.approx(0.17413, abs=5e-6)
    assert s.service_level == pytest.approx(0.88835, abs=5e-6)
    assert s.asa == pytest.approx(7.84, abs=0.005)
    assert s.occupancy == pytest.approx(0.714, abs=5e-4)
    assert scheduled_agents(s.agents, 0.30) == 20  # 14 / 0.7 = 20, not 21 by float noise


def test_one_agent_fewer_misses_the_target():
    assert staffing_for(100, aht=180, agents=13, target_seconds=20).service_level < 0.8


def test_more_traffic_never_needs_fewer_agents():
    previous = 0
    for calls in range(0, 2001, 25):
        agents = agents_needed(calls, aht=180).agents
        assert agents >= previous
        previous = agents


def test_service_level_rises_with_agents():
    levels = [staffing_for(300, aht=180, agents=n, target_seconds=20).service_level for n in range(31, 60)]
    assert all(b > a for a, b in zip(levels, levels[1:], strict=False))
    assert levels[-1] > 0.999


def test_big_traffic_is_stable():
    # 20,000 erlangs: factorials would overflow; the recursion stays between 0 and 1.
    s = agents_needed(200_000, aht=180)
    assert math.isfinite(s.wait_probability) and 0 < s.wait_probability < 1
    assert 20_000 < s.agents < 20_200 and s.service_level >= 0.8
    assert 0 < erlang_b(20_100, 20_000.0) < 1 and 0 < erlang_c(20_100, 20_000.0) < 1


def test_no_calls_need_no_agents_and_an_overloaded_queue_has_no_service():
    assert agents_needed(0, aht=180).agents == 0 and scheduled_agents(0, 0.3) == 0
    s = staffing_for(100, aht=180, agents=10)  # traffic 10 erlangs, 10 agents: the queue never empties
    assert s.service_level == 0.0 and s.wait_probability == 1.0 and math.isinf(s.asa)
    assert traffic(100, 180, 1800) == 10.0


def test_a_small_queue_needs_one_agent():
    s = agents_needed(1, aht=180)
    assert s.agents == 1 and s.service_level >= 0.8


def test_shrinkage_and_bad_input():
    assert scheduled_agents(7, 0) == 7 and scheduled_agents(7, 0.5) == 14 and scheduled_agents(7, 0.35) == 11
    with pytest.raises(ValueError):
        scheduled_agents(7, 1.0)
    with pytest.raises(ValueError):
        agents_needed(10, aht=0)
    with pytest.raises(ValueError):
        agents_needed(10, aht=180, target_level=1.0)
