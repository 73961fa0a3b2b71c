# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""E3B's per-agent Sherman-Morrison loop over a whole rollout in one C call (csrc/elliptical.h),
for CPU training; ocean/train/e3b.py holds the torch version it must match."""

cdef extern from "elliptical.h" nogil:
    int OCEAN_ELLIPTICAL_MAX_DIM
    void ocean_elliptical_bonus(float *inverse, const float *phi, const float *starts,
                                float *bonus, int horizon, int agents, int dim, float lam,
                                int first_step_bonus)


def elliptical_bonus(float[:, :, ::1] inverse, const float[:, :, ::1] phi,
                     const float[:, ::1] starts, float[:, ::1] bonus, float lam,
                     bint first_step_bonus):
    """inverse (agents, d, d) updated in place; phi (T, agents, d); starts and bonus (T, agents)."""
    cdef int horizon = phi.shape[0], agents = phi.shape[1], dim = phi.shape[2]
    if inverse.shape[0] != agents or inverse.shape[1] != dim or inverse.shape[2] != dim:
        shape = (inverse.shape[0], inverse.shape[1], inverse.shape[2])
        raise ValueError(f"inverse has shape {shape}, phi needs ({agents}, {dim}, {dim})")
    if (starts.shape[0], starts.shape[1]) != (horizon, agents) or \
            (bonus.shape[0], bonus.shape[1]) != (horizon, agents):
        raise ValueError(f"starts and bonus must have shape ({horizon}, {agents}) like phi's "
                         f"first two axes, got {(starts.shape[0], starts.shape[1])} and "
                         f"{(bonus.shape[0], bonus.shape[1])}")
    if dim > OCEAN_ELLIPTICAL_MAX_DIM:
        raise ValueError(f"feature size {dim} is over {OCEAN_ELLIPTICAL_MAX_DIM}")
    if horizon == 0 or agents == 0:
        return
    with nogil:
        ocean_elliptical_bonus(&inverse[0, 0, 0], &phi[0, 0, 0], &starts[0, 0], &bonus[0, 0],
                               horizon, agents, dim, lam, first_step_bonus)
