"""Proportional prioritized replay (Schaul et al. 2016, section 3.3 and Algorithm 1).

Transition i is drawn with P(i) = p_i^alpha / sum_k p_k^alpha, where p_i = |delta_i| + eps
(its last TD error), and a new transition gets the largest p seen so far, so that it is
replayed at least once soon. The bias of that sampling is corrected with importance weights
w_i = (N * P(i))^-beta, divided by the largest weight in the buffer (the paper's max_i w_i:
the transition of least priority), so weights only scale updates down. N cancels:
w_i = (p_i^alpha / min_k p_k^alpha)^-beta. beta is annealed to 1 over the run, as in the
paper; alpha can be annealed too (prio_alpha_end), which re-weights every stored priority.

A sum tree holds the p^alpha (and a min tree beside it, for the largest weight): a draw
walks from the root to a leaf, one level at a time for the whole batch at once (numpy,
float64), so the cost is O(batch * log capacity) with no Python loop per sample. Leaves of
transitions that cannot be sampled (not yet written, or whose n-step window is incomplete)
hold 0 and are never drawn.
"""
import numpy as np


class SumTree:
    """Sums (and minimums) of `size` non-negative leaf values, in two arrays of 2 * capacity
    nodes (capacity: size rounded up to a power of two; node 1 is the root, node k's
    children are 2k and 2k + 1, leaf i is node capacity + i). A leaf of 0 is empty: it is
    never drawn and does not count in the minimum."""

    def __init__(self, size):
        self.size = size
        self.capacity = 1 << max(0, (size - 1).bit_length())
        self.sums = np.zeros(2 * self.capacity)
        self.mins = np.full(2 * self.capacity, np.inf)

    @property
    def total(self):
        return float(self.sums[1])

    @property
    def min(self):
        """The least non-zero leaf (inf while every leaf is 0)."""
        return float(self.mins[1])

    def leaves(self, indices):
        return self.sums[self.capacity + np.asarray(indices)]

    def set(self, indices, values):
        """Leaves `indices` (an array; a repeated index keeps its last value) = values."""
        nodes = self.capacity + np.asarray(indices, dtype=np.int64)
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), nodes.shape)
        self.sums[nodes] = values
        self.mins[nodes] = np.where(values > 0, values, np.inf)
        while nodes[0] > 1:  # one level up per pass, every changed node of it at once
            nodes = nodes // 2   # a node twice gets the same sum twice: no need to dedupe
            children = nodes * 2
            self.sums[nodes] = self.sums[children] + self.sums[children + 1]
            self.mins[nodes] = np.minimum(self.mins[children], self.mins[children + 1])

    def set_range(self, low, high, value):
        """Leaves low..high-1 = value: contiguous, so each level above is a slice."""
        low, high = self.capacity + low, self.capacity + high
        self.sums[low:high] = value
        self.mins[low:high] = value if value > 0 else np.inf
        while low > 1:
            low, high = low // 2, (high - 1) // 2 + 1
            self.refresh(low, high)

    def rebuild(self, values):
        """Every leaf at once (values: `size` of them), then every level above."""
        self.sums[self.capacity:self.capacity + self.size] = values
        self.mins[self.capacity:self.capacity + self.size] = np.where(values > 0, values, np.inf)
        low = self.capacity // 2
        while low >= 1:
            self.refresh(low, 2 * low)
            low //= 2

    def refresh(self, low, high):
        """Nodes low..high-1 from their children 2 low..2 high-1."""
        left, right = slice(2 * low, 2 * high, 2), slice(2 * low + 1, 2 * high, 2)
        self.sums[low:high] = self.sums[left] + self.sums[right]
        self.mins[low:high] = np.minimum(self.mins[left], self.mins[right])

    def find(self, targets):
        """For each target in [0, total): the leaf whose prefix-sum interval holds it. A step
        goes right only into a non-empty subtree, so float rounding never lands on a 0 leaf."""
        nodes = np.ones(len(targets), dtype=np.int64)
        targets = np.array(targets, dtype=np.float64)
        while nodes[0] < self.capacity:
            left = nodes * 2
            left_sum = self.sums[left]
            right = (targets >= left_sum) & (self.sums[left + 1] > 0)
            targets -= np.where(right, left_sum, 0.0)
            nodes = left + right
        return nodes - self.capacity


class Priorities:
    """The priorities of a replay buffer's `size` slots: which can be sampled, how likely,
    and the importance weights of a draw."""

    def __init__(self, size, alpha, eps):
        self.tree = SumTree(size)
        self.raw = np.zeros(size)   # p = |delta| + eps of each slot; 0: cannot be sampled
        self.alpha, self.eps, self.max_raw = alpha, eps, 1.0

    def enable(self, low, high):
        """Slots low..high-1 hold new transitions: the largest priority seen so far."""
        self.raw[low:high] = self.max_raw
        self.tree.set_range(low, high, self.max_raw ** self.alpha)

    def disable(self, low, high):
        """Slots low..high-1 cannot be sampled (being overwritten, or incomplete)."""
        self.raw[low:high] = 0.0
        self.tree.set_range(low, high, 0.0)

    def update(self, indices, td_errors):
        """New priorities |delta| + eps for sampled slots."""
        raw = np.abs(np.asarray(td_errors, dtype=np.float64)) + self.eps
        self.raw[indices] = raw
        self.max_raw = max(self.max_raw, float(raw.max()))
        self.tree.set(indices, raw ** self.alpha)

    def set_alpha(self, alpha):
        """A new exponent for every stored priority (annealed alpha)."""
        if alpha != self.alpha:
            self.alpha = alpha
            self.tree.rebuild(np.where(self.raw > 0, self.raw ** alpha, 0.0))

    def sample(self, uniforms, beta):
        """(slots, weights) of len(uniforms) draws. uniforms: numbers in [0, 1), one per draw;
        the draws are stratified (draw j falls in the j-th of equal slices of the total), as
        in the paper."""
        count = len(uniforms)
        targets = (np.arange(count) + np.asarray(uniforms)) * (self.tree.total / count)
        slots = self.tree.find(np.minimum(targets, np.nextafter(self.tree.total, 0)))
        weights = (self.tree.leaves(slots) / self.tree.min) ** -beta
        return slots, weights
