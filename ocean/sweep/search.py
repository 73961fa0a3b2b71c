"""The searcher: which config to try next, given the (cost, score) points seen so far.

suggest() returns {parameter: value}; observe(params, score, cost, ...) records one point
(cost: wall-clock seconds of training). The rule:

1. The first trial runs the search centre: every space's mean (today's defaults).
2. The next `random_trials` run random points around the centre (spaces.sample_around), and
   so does every trial while fewer than MIN_FIT successful points are known.
3. Then, cost-aware:
   - Fit a model of the score and one of log(cost) over the normalised parameters: each a
     linear trend plus a Gaussian process on the rest (scikit-learn; Matern 5/2 with a
     length scale per parameter, plus white noise; targets standardised). Failed points
     teach the cost model their cost where they have one (a trial stopped over its budget
     cost at least that), never the score model.
   - The Pareto front: the points that no cheaper-or-equal point matches in score.
   - Draw CANDIDATES_PER_POINT candidates around each front point (the same noise as step 2),
     snapped to the values each space can run.
   - Drop the candidates that may cost more than max_cost (--max-trial-minutes): those
     whose predicted log-cost plus one standard deviation is above it.
   - Draw a target cost T log-uniformly between the cheapest front point and twice the
     dearest (at most max_cost): short and long budgets both get explored.
   - Among the candidates predicted to cost within a factor TARGET_BAND of T (the
     nearest tenth if none is), pick the best optimistic score: mean + KAPPA * std.
   If no candidate is affordable, the one predicted cheapest is tried.

A trial observes several points along its learning curve. When train.total_steps is swept,
each point is observed with total_steps = the agent-steps trained so far, as a shorter run
(Protein's rule): one run then teaches the models about short and long budgets. When it is
not, those points share their parameters, and the newest replaces the older (an input seen
again replaces its earlier observation), so the final point stands for the run.
"""
import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from threadpoolctl import threadpool_limits

from ocean.sweep.spaces import sample_around

BUDGET = "train.total_steps"  # the parameter that a point along a learning curve shortens
MIN_FIT = 3                   # successful points before the models are fitted
CANDIDATES_PER_POINT = 256
MAX_CENTRES = 16              # front points sampled around (the cheapest first)
TARGET_BAND = 1.5             # a candidate is "at" the target cost within this factor
KAPPA = 1.0                   # optimism: predicted score + KAPPA standard deviations
SAME_INPUT = 1e-6


def pareto_front(costs, scores):
    """Indices of the points no cheaper-or-equal point matches in score, cheapest first."""
    order = sorted(range(len(costs)), key=lambda i: (costs[i], -scores[i]))
    front, best = [], -math.inf
    for i in order:
        if scores[i] > best:
            front.append(i)
            best = scores[i]
    return front


def curve_params(params, agent_steps):
    """The parameters a point `agent_steps` into a run stands for (see the docstring)."""
    if BUDGET in params and agent_steps is not None:
        return {**params, BUDGET: int(agent_steps)}
    return params


class Searcher:
    def __init__(self, spaces, max_cost=math.inf, noise="gaussian", random_trials=4, seed=0,
                 started=0):
        self.spaces, self.noise, self.max_cost = list(spaces), noise, max_cost
        self.random_trials, self.seed = random_trials, seed
        self.started = started  # trials suggested so far (a resumed sweep's included)
        self.rng = np.random.default_rng([seed, started])
        self.inputs, self.scores, self.costs = [], [], []  # score None: a failed point
        self.scales = np.array([space.scale for space in self.spaces])
        self.centre = np.array([space.centre for space in self.spaces])

    def observe(self, params, score, cost, failed=False, agent_steps=None):
        """Record one point; points outside the spaces (a curve point before the budget's
        min) are not the searcher's to model and are ignored."""
        params = curve_params(params, agent_steps)
        x = np.array([space.normalize(params[space.name]) for space in self.spaces])
        if np.any(np.abs(x) > 1 + SAME_INPUT):
            return
        if failed or score is None or not math.isfinite(score):
            score = None
        cost = cost if cost is not None and math.isfinite(cost) and cost > 0 else None
        for i, seen in enumerate(self.inputs):
            if np.max(np.abs(seen - x), initial=0.0) <= SAME_INPUT:
                self.inputs[i], self.scores[i], self.costs[i] = x, score, cost
                return
        self.inputs.append(x)
        self.scores.append(score)
        self.costs.append(cost)

    def suggest(self):
        self.started += 1
        successes = sum(s is not None for s in self.scores)
        if self.started == 1:
            x = self.centre
        elif self.started <= 1 + self.random_trials or successes < MIN_FIT:
            x = sample_around(self.centre, self.scales, self.rng, self.noise)[0]
        else:
            x = self.cost_aware()
        return self.values(x)

    def values(self, x):
        return {space.name: space.unnormalize(v) for space, v in zip(self.spaces, x)}

    def snap(self, x):
        """Each coordinate moved to the nearest value its space can run."""
        return np.array([[space.normalize(space.unnormalize(v)) for space, v
                          in zip(self.spaces, row)] for row in x])

    def cost_aware(self):
        # matrices of a few hundred rows: one BLAS thread is enough, and leaves the cores to
        # the trials (threads spinning on cores a trial is using slow every fit down)
        with threadpool_limits(1):
            return self.cost_aware_pick()

    def cost_aware_pick(self):
        ok = [i for i, s in enumerate(self.scores) if s is not None and self.costs[i]]
        inputs = np.array([self.inputs[i] for i in ok])
        scores = np.array([self.scores[i] for i in ok])
        costs = np.array([self.costs[i] for i in ok])
        priced = [i for i, c in enumerate(self.costs) if c]
        score_model = Surrogate(inputs, scores, self.seed)
        cost_model = Surrogate(np.array([self.inputs[i] for i in priced]),
                               np.log([self.costs[i] for i in priced]), self.seed)

        front = pareto_front(list(costs), list(scores))[:MAX_CENTRES]
        candidates = self.snap(sample_around(inputs[front], self.scales, self.rng, self.noise,
                                             CANDIDATES_PER_POINT * len(front)))
        log_cost, cost_std = cost_model.predict(candidates)
        mean, std = score_model.predict(candidates)
        affordable = log_cost + cost_std <= math.log(self.max_cost)
        if not affordable.any():
            return candidates[np.argmin(log_cost + cost_std)]
        candidates, log_cost = candidates[affordable], log_cost[affordable]
        optimism = (mean + KAPPA * std)[affordable]

        low = math.log(costs[front[0]])
        high = min(math.log(self.max_cost), math.log(2 * costs[front[-1]]))
        target = self.rng.uniform(min(low, high), high)
        distance = np.abs(log_cost - target)
        near = distance <= math.log(TARGET_BAND)
        if not near.any():
            near = distance <= np.quantile(distance, 0.1)
        pick = np.flatnonzero(near)[np.argmax(optimism[near])]
        return candidates[pick]


class Surrogate:
    """A linear trend (ridge least squares) plus a Gaussian process on what the trend leaves.
    The trend carries predictions past the points seen (a cost that doubles with num_envs
    keeps doubling), where a Gaussian process alone falls back to the mean and would call
    an untried corner cheap."""

    RIDGE = 1e-2

    def __init__(self, inputs, targets, seed):
        design = self.design(inputs)
        self.trend = np.linalg.solve(design.T @ design + self.RIDGE * np.eye(design.shape[1]),
                                     design.T @ targets)
        dims = inputs.shape[1]
        kernel = (ConstantKernel(1.0, (1e-3, 1e2))
                  * Matern(length_scale=np.ones(dims), length_scale_bounds=(0.1, 100.0), nu=2.5)
                  + WhiteKernel(1e-2, (1e-6, 1.0)))
        self.gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)
        with warnings.catch_warnings():  # a length scale at its bound is fine here
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.gp.fit(inputs, targets - design @ self.trend)

    @staticmethod
    def design(inputs):
        return np.c_[inputs, np.ones(len(inputs))]

    def predict(self, inputs):
        """(mean, standard deviation) at each row of inputs."""
        mean, std = self.gp.predict(inputs, return_std=True)
        return self.design(inputs) @ self.trend + mean, std
