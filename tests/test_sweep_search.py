"""The searcher (ocean/sweep/search.py) on made-up problems whose answers are known: the
order of its phases, the Pareto front, the budget rule, the cost limit, and that the
cost-aware phase finds what it is looking for."""
import math

import numpy as np
import pytest

from ocean.sweep.search import Searcher, curve_params, pareto_front
from ocean.sweep.spaces import Space


def spaces():
    return [Space("train.learning_rate", "log", 1e-4, 1e-2, 1e-3),
            Space("train.clip_coef", "linear", 0.0, 1.0, 0.5),
            Space("train.num_envs", "pow2", 16, 1024, 64)]


def test_pareto_front_by_hand():
    costs = [5.0, 1.0, 3.0, 2.0, 4.0, 3.0]
    scores = [9.0, 1.0, 2.0, 4.0, 4.0, 6.0]
    # cheapest first; 3.0/2.0 and 4.0/4.0 are beaten by 2.0/4.0 at no more cost
    assert pareto_front(costs, scores) == [1, 3, 5, 0]
    assert pareto_front([], []) == []


def test_first_the_centre_then_random_points_around_it():
    searcher = Searcher(spaces(), random_trials=3, seed=0)
    assert searcher.suggest() == {"train.learning_rate": pytest.approx(1e-3),
                                  "train.clip_coef": 0.5, "train.num_envs": 64}
    randoms = [searcher.suggest() for _ in range(3)]
    for params in randoms:
        assert params != searcher.values(searcher.centre)
        for space in searcher.spaces:
            assert space.min <= params[space.name] <= space.max
    # no successful point yet: still random, never the models
    assert searcher.suggest() not in randoms


def test_a_point_along_the_curve_stands_for_a_shorter_run():
    params = {"train.total_steps": 10_000_000, "train.learning_rate": 1e-3}
    assert curve_params(params, 2_500_000) == {"train.total_steps": 2_500_000,
                                               "train.learning_rate": 1e-3}
    assert curve_params({"train.learning_rate": 1e-3}, 2_500_000) == \
        {"train.learning_rate": 1e-3}


def test_same_input_replaces_and_points_outside_are_ignored():
    searcher = Searcher(spaces())
    params = searcher.values(searcher.centre)
    searcher.observe(params, 1.0, 10.0)
    searcher.observe(params, 2.0, 20.0)  # the same run's later point
    assert searcher.scores == [2.0] and searcher.costs == [20.0]
    budget = Space("train.total_steps", "log", 10**6, 10**8, 10**7, integer=True)
    searcher = Searcher([budget])
    searcher.observe({"train.total_steps": 10**7}, 1.0, 5.0, agent_steps=500_000)
    assert searcher.inputs == []  # 5e5 steps is below the space's min: not modelled
    searcher.observe({"train.total_steps": 10**7}, 1.0, 5.0, agent_steps=2_000_000)
    assert searcher.inputs[0][0] == pytest.approx(budget.normalize(2_000_000))


def run(searcher, score, cost, trials):
    """Drive the searcher on a made-up problem; returns every suggestion."""
    suggested = []
    for _ in range(trials):
        params = searcher.suggest()
        suggested.append(params)
        searcher.observe(params, score(params), cost(params))
    return suggested


def toy_score(params):
    """Best at learning_rate 3e-3 and clip_coef 0.8; num_envs does not matter."""
    x = math.log10(params["train.learning_rate"]) - math.log10(3e-3)
    return -(x ** 2) - (params["train.clip_coef"] - 0.8) ** 2


def test_cost_aware_phase_finds_the_optimum():
    searcher = Searcher(spaces(), random_trials=4, seed=1)
    suggested = run(searcher, toy_score, lambda p: 10.0, 18)
    best = max(toy_score(p) for p in suggested)
    assert best > -0.01                                   # near the optimum, which
    assert max(toy_score(p) for p in suggested[:5]) < best  # the first five did not reach


def test_suggestions_respect_the_cost_limit():
    """Score grows with clip_coef, and so does cost: the searcher must stop at the limit."""
    def cost(params):
        return 10.0 ** (1 + 2 * params["train.clip_coef"])  # 10 s ... 1000 s
    def score(params):
        return params["train.clip_coef"] - (math.log10(params["train.learning_rate"]) + 2.5) ** 2
    searcher = Searcher(spaces(), max_cost=100.0, random_trials=4, seed=6)
    suggested = run(searcher, score, cost, 14)
    assert max(cost(p) for p in suggested[:5]) > 100.0  # the random phase went past it
    # once the cost model has a few points to go on, no suggestion goes past the limit,
    assert all(cost(p) <= 100.0 for p in suggested[6:])
    assert max(cost(p) for p in suggested[6:]) > 90.0  # and it goes near it, where scores are


def test_failed_points_teach_cost_but_never_score():
    searcher = Searcher(spaces(), random_trials=0, seed=3)
    for _ in range(5):
        searcher.observe(searcher.suggest(), None, 30.0, failed=True)
    assert searcher.scores == [None] * 5 and searcher.costs == [30.0] * 5
    params = searcher.suggest()  # no success yet: random, not a crash
    assert set(params) == {s.name for s in searcher.spaces}


def test_same_seed_and_observations_same_suggestions():
    """What --resume relies on: a searcher rebuilt from the rows suggests what the first
    one would have."""
    first = Searcher(spaces(), random_trials=2, seed=4)
    suggested = run(first, toy_score, lambda p: 10.0, 6)
    replayed = Searcher(spaces(), random_trials=2, seed=4, started=6)
    for params in suggested:
        replayed.observe(params, toy_score(params), 10.0)
    again = Searcher(spaces(), random_trials=2, seed=4, started=6)
    for params in suggested:
        again.observe(params, toy_score(params), 10.0)
    assert replayed.suggest() == again.suggest()
    assert np.array_equal(np.array(first.inputs), np.array(replayed.inputs))
