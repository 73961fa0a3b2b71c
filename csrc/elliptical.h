/* elliptical.h: E3B's episodic bonus over a rollout, the trainer's hot loop on a CPU.
 *
 * Per agent i, inverse[i] is C^-1 (dim x dim, symmetric) with C = lam*I + sum phi phi^T over
 * the agent's episode so far. For each step t, in order, and each agent:
 *   if starts[t][i]:  C^-1 = I / lam                       (a new episode)
 *   u = C^-1 phi,  b = phi^T u,  C^-1 -= u u^T / (1 + b)   (Sherman-Morrison)
 *   bonus[t][i] = b, or 0 on an episode's first step unless first_step_bonus.
 * Agents are independent; each one's matrix stays in cache for the whole rollout, so the
 * loop runs agent-major. u is on the stack: dim is at most OCEAN_ELLIPTICAL_MAX_DIM.
 */
#ifndef OCEAN_ELLIPTICAL_H
#define OCEAN_ELLIPTICAL_H

#include <stddef.h>

#define OCEAN_ELLIPTICAL_MAX_DIM 4096

static void ocean_elliptical_bonus(float *inverse, const float *phi, const float *starts,
                                   float *bonus, int horizon, int agents, int dim, float lam,
                                   int first_step_bonus) {
    float u[OCEAN_ELLIPTICAL_MAX_DIM];
    size_t square = (size_t)dim * (size_t)dim;
    for (int i = 0; i < agents; i++) {
        float *inv = inverse + (size_t)i * square;
        for (int t = 0; t < horizon; t++) {
            size_t row = (size_t)t * (size_t)agents + (size_t)i;
            const float *x = phi + row * (size_t)dim;
            int start = starts[row] != 0.0f;
            if (start) {
                for (size_t k = 0; k < square; k++) inv[k] = 0.0f;
                for (int k = 0; k < dim; k++) inv[(size_t)k * (size_t)dim + (size_t)k] = 1.0f / lam;
            }
            /* u = C^-1 x as a sum of rows (C^-1 is symmetric): contiguous axpys that the
             * compiler vectorises, where a dot product per row would need reassociation */
            for (int c = 0; c < dim; c++) u[c] = 0.0f;
            for (int r = 0; r < dim; r++) {
                const float *line = inv + (size_t)r * (size_t)dim;
                float xr = x[r];
                for (int c = 0; c < dim; c++) u[c] += xr * line[c];
            }
            float b = 0.0f;
            for (int c = 0; c < dim; c++) b += x[c] * u[c];
            float scale = 1.0f / (1.0f + b);
            for (int r = 0; r < dim; r++) {
                float *line = inv + (size_t)r * (size_t)dim;
                float ur = u[r] * scale;
                for (int c = 0; c < dim; c++) line[c] -= ur * u[c];
            }
            bonus[row] = (start && !first_step_bonus) ? 0.0f : b;
        }
    }
}

#endif
