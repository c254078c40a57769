"""Erlang C: how many agents a queue of calls needs for a service-level target (C10, S11).

Traffic ``a`` (erlangs) = calls per interval × average handle time ÷ interval length. With ``n`` agents
and ``n > a``, the probability that a call waits is Erlang C,

    C(n, a) = n·B(n, a) / (n − a·(1 − B(n, a))),

where B is Erlang B, computed with the recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)): no
factorials or powers, so it stays between 0 and 1 and is exact enough for any traffic (tens of thousands
of erlangs), and stepping from n to n + 1 agents is one more step of the recursion. Then

    service level SL(t) = 1 − C·exp(−(n − a)·t / aht)   (share of calls answered within t seconds)
    average speed of answer ASA = C·aht / (n − a)
    occupancy = a / n

Check vector (NOTES.md): 100 calls in 30 min, AHT 180 s, 80 % within 20 s → 14 agents,
P(wait) 0.17413, SL 0.88835, ASA 7.84 s, occupancy 0.714; with 30 % shrinkage 20 scheduled.
"""

import math
from dataclasses import dataclass

# Float noise must not add an agent: 14 / (1 − 0.3) is 20.000000000000004.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Staffing:
    """What ``agents`` agents give for one interval's traffic."""

    calls: float
    traffic: float  # erlangs
    agents: int
    wait_probability: float  # Erlang C: share of calls that wait at all
    service_level: float  # share answered within the target time
    asa: float  # average speed of answer, seconds
    occupancy: float

    def scheduled(self, shrinkage: float) -> int:
        return scheduled_agents(self.agents, shrinkage)


def traffic(calls: float, aht: float, interval: float = 1800) -> float:
    """Offered load in erlangs: ``calls`` arriving in ``interval`` seconds, each taking ``aht`` seconds."""
    if calls < 0 or aht < 0 or interval <= 0:
        raise ValueError("calls and AHT must not be negative, the interval must be positive")
    return calls * aht / interval


def erlang_b(agents: int, a: float) -> float:
    """Blocking probability of ``agents`` servers under ``a`` erlangs (the iterative recursion)."""
    b = 1.0
    for k in range(1, agents + 1):
        b = a * b / (k + a * b)
    return b


def _erlang_c_from_b(agents: int, a: float, b: float) -> float:
    if agents <= a:
        return 1.0  # an unstable queue: every call waits (and the wait grows without bound)
    return agents * b / (agents - a * (1 - b))


def erlang_c(agents: int, a: float) -> float:
    """Probability that a call has to wait with ``agents`` agents and ``a`` erlangs."""
    if a <= 0:
        return 0.0
    return _erlang_c_from_b(agents, a, erlang_b(agents, a))


def _measures(calls: float, a: float, agents: int, b: float, aht: float, target_seconds: float) -> Staffing:
    if a <= 0:
        return Staffing(calls=calls, traffic=a, agents=agents, wait_probability=0.0, service_level=1.0, asa=0.0,
                        occupancy=0.0)
    c = _erlang_c_from_b(agents, a, b)
    if agents <= a:
        return Staffing(calls=calls, traffic=a, agents=agents, wait_probability=1.0, service_level=0.0,
                        asa=math.inf, occupancy=1.0)
    level = 1 - c * math.exp(-(agents - a) * target_seconds / aht)
    return Staffing(calls=calls, traffic=a, agents=agents, wait_probability=c, service_level=level,
                    asa=c * aht / (agents - a), occupancy=a / agents)


def staffing_for(calls: float, *, aht: float, agents: int, target_seconds: float = 20,
                 interval: float = 1800) -> Staffing:
    """The service level, ASA and occupancy that ``agents`` agents give."""
    a = traffic(calls, aht, interval)
    return _measures(calls, a, agents, erlang_b(agents, a), aht, target_seconds)


def agents_needed(calls: float, *, aht: float, target_level: float = 0.8, target_seconds: float = 20,
                  interval: float = 1800, max_occupancy: float = 1.0) -> Staffing:
    """The fewest agents that answer ``target_level`` of the calls within ``target_seconds`` (and keep
    occupancy at most ``max_occupancy``). No calls need no agents."""
    if not 0 < target_level < 1:
        raise ValueError("the service-level target is a share between 0 and 1")
    if target_seconds < 0 or aht <= 0:
        raise ValueError("the answer time must not be negative and the AHT must be positive")
    if not 0 < max_occupancy <= 1:
        raise ValueError("the occupancy limit is a share between 0 and 1")
    a = traffic(calls, aht, interval)
    if a <= 0:
        return _measures(calls, 0.0, 0, 1.0, aht, target_seconds)
    agents = max(1, math.floor(a) + 1)
    b = erlang_b(agents, a)
    while True:
        result = _measures(calls, a, agents, b, aht, target_seconds)
        if result.service_level >= target_level - _EPSILON and result.occupancy <= max_occupancy + _EPSILON:
            return result
        agents += 1
        b = a * b / (agents + a * b)  # one more step of the recursion: B(n + 1) from B(n)


def scheduled_agents(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that ``agents`` are on the phones when a share ``shrinkage`` of the paid time
    goes to breaks, meetings, training and absence: ceil(agents / (1 − shrinkage))."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage is a share from 0 up to (not including) 1")
    return math.ceil(agents / (1 - shrinkage) - _EPSILON) if agents else 0
