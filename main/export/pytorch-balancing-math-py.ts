/**
 * balancing_math.py of an exported PyTorch project: the studio's random generator and the
 * balancing methods' K × K problems in plain Python, as main/engine/balancing computes them.
 */
export const BALANCING_MATH_PY = String.raw`"""The small problems of the studio's task-balancing methods, on plain numbers.

Each rule as Multitask Studio computes it (main/engine/balancing), so that a run's balancing.json
moves between the two: the studio's random generator (sfc32, seeded through MurmurHash3), the
methods' K x K problems on the Gram matrix G[i][j] = g_i . g_j of the tasks' trunk gradients, and
the small Adam of the learnt weights. Linear algebra by numpy, in float64.
"""
import math

import numpy as np

M32 = 0xFFFFFFFF
FLOAT32_EPSILON = 2.0 ** -23


def _rotl(x, r):
    x &= M32
    return ((x << r) | (x >> (32 - r))) & M32


def _mix_word(h, word):
    k = _rotl((word * 0xCC9E2D51) & M32, 15)
    k = (k * 0x1B873593) & M32
    h = _rotl((h ^ k) & M32, 13)
    return (h * 5 + 0xE6546B64) & M32


def _finalise(h):
    h &= M32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    return h ^ (h >> 16)


class Rng:
    """sfc32 with the studio's seeding: the same seed words give the studio's sequence."""

    def __init__(self, *words):
        h = (0x9E3779B9 ^ len(words)) & M32
        for word in words:
            h = _mix_word(h, word & M32)
            h = _mix_word(h, (word // 2 ** 32) & M32)
        self.a, self.b, self.c = (_finalise(h ^ s) for s in (0x243F6A88, 0x85A308D3, 0x13198A2E))
        self.counter = 1
        self.spare = None
        for _ in range(12):
            self.next_uint32()

    def next_uint32(self):
        t = (self.a + self.b + self.counter) & M32
        self.counter = (self.counter + 1) & M32
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + (self.c << 3)) & M32
        self.c = (_rotl(self.c, 21) + t) & M32
        return t

    def next_float(self):
        return self.next_uint32() / 2 ** 32

    def next_int(self, bound):
        return math.floor(self.next_float() * bound)

    def normal(self):
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        radius = math.sqrt(-2 * math.log(1 - self.next_float()))
        angle = 2 * math.pi * self.next_float()
        cosine = math.cos(angle)
        sine = math.sqrt(max(0.0, 1 - cosine * cosine))
        self.spare = radius * (sine if angle < math.pi else -sine)
        return radius * cosine

    def get_state(self):
        return {"words": [self.a, self.b, self.c, self.counter], "spareNormal": self.spare}

    def set_state(self, state):
        self.a, self.b, self.c, self.counter = (int(w) & M32 for w in state["words"])
        self.spare = state.get("spareNormal")


def shuffled(n, rng):
    """0..n-1 in the order the studio's Fisher-Yates shuffle gives."""
    items = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next_int(i + 1)
        items[i], items[j] = items[j], items[i]
    return items


class VectorAdam:
    """Adam on a small vector of balancing parameters (log-variances, logits, weights)."""

    def __init__(self, size, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.m, self.v, self.t = [0.0] * size, [0.0] * size, 0
        self.lr, self.b1, self.b2, self.eps = learning_rate, beta1, beta2, epsilon

    def step(self, x, grad):
        self.t += 1
        out = []
        for i, (xi, gi) in enumerate(zip(x, grad)):
            self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * gi
            self.v[i] = self.b2 * self.v[i] + (1 - self.b2) * gi * gi
            m_hat = self.m[i] / (1 - self.b1 ** self.t)
            v_hat = self.v[i] / (1 - self.b2 ** self.t)
            out.append(xi - self.lr * m_hat / (math.sqrt(v_hat) + self.eps))
        return out

    def get_state(self):
        return {"m": list(self.m), "v": list(self.v), "t": self.t}

    def set_state(self, state):
        self.m, self.v, self.t = list(state["m"]), list(state["v"]), int(state["t"])


def softmax(x):
    top = max(x)
    e = [math.exp(v - top) for v in x]
    return [v / sum(e) for v in e]


def _times(g, w):
    return [sum(x * y for x, y in zip(row, w)) for row in g]


def _dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def mgda_weights(g, iterations=250, tolerance=1e-10):
    """The min-norm point of the simplex: closed form for two tasks, else Frank-Wolfe."""
    k = len(g)
    if k == 1:
        return [1.0]
    if k == 2:
        diff = g[0][0] - 2 * g[0][1] + g[1][1]
        if diff <= 1e-20:
            return [0.5, 0.5]
        a = min(1.0, max(0.0, (g[1][1] - g[0][1]) / diff))
        return [a, 1 - a]
    alpha = [1 / k] * k
    for _ in range(iterations):
        grad = _times(g, alpha)
        t = min(range(k), key=lambda i: (grad[i], i))
        vv, vt, tt = _dot(alpha, grad), grad[t], g[t][t]
        denom = vv - 2 * vt + tt
        if denom <= 1e-20:
            break
        gamma = min(1.0, max(0.0, (vv - vt) / denom))
        if gamma * math.sqrt(denom) < tolerance:
            break
        alpha = [(1 - gamma) * a + (gamma if i == t else 0) for i, a in enumerate(alpha)]
    return alpha


def pcgrad_coefficients(g, order_for):
    """PCGrad's projections as coefficients c on the original gradients: sum g_i' = sum c_j g_j."""
    k = len(g)
    total = [0.0] * k
    for i in range(k):
        c = [1.0 if j == i else 0.0 for j in range(k)]
        for j in order_for(i):
            if j == i:
                continue
            gij = _dot(c, [row[j] for row in g])
            if gij < 0 and g[j][j] > 1e-20:
                c[j] -= gij / g[j][j]
        total = [t + x for t, x in zip(total, c)]
    return total


def project_to_simplex(v):
    ordered = sorted(v, reverse=True)
    total, theta = 0.0, 0.0
    for i, x in enumerate(ordered):
        total += x
        t = (total - 1) / (i + 1)
        if x - t > 0:
            theta = t
    return [max(x - theta, 0.0) for x in v]


def cagrad_coefficients(g, c, iterations=300):
    """CAGrad by projected gradient descent on the simplex; coefficients on the plain sum."""
    k = len(g)
    mean = [1 / k] * k
    g_mean = _times(g, mean)
    sqrt_phi = c * math.sqrt(max(_dot(mean, g_mean), 0.0))
    if sqrt_phi <= 0:
        return [1.0] * k

    def objective(w):
        return _dot(w, g_mean) + sqrt_phi * math.sqrt(max(_dot(w, _times(g, w)), 1e-20))

    w = list(mean)
    best, best_value = w, objective(w)
    scale = max(max(g[i][i] for i in range(k)), 1e-20)
    for it in range(iterations):
        gw = _times(g, w)
        norm = math.sqrt(max(_dot(w, gw), 1e-20))
        grad = [x + sqrt_phi * y / norm for x, y in zip(g_mean, gw)]
        step = 1 / (scale * math.sqrt(it + 1))
        w = project_to_simplex([x - step * y for x, y in zip(w, grad)])
        value = objective(w)
        if value < best_value:
            best, best_value = w, value
    lam = sqrt_phi / math.sqrt(max(_dot(best, _times(g, best)), 1e-20))
    return [k * (1 / k + lam * x) for x in best]


def imtl_weights(g):
    """IMTL-G: alpha_{2..K} = g_1 U^T (D U^T)^-1, alpha_1 = 1 - sum; equal weights if singular."""
    k = len(g)
    equal = [1 / k] * k
    G = np.array(g, dtype=np.float64)
    norms = np.sqrt(np.maximum(np.diag(G), 0))
    if k < 2 or (norms <= 1e-20).any():
        return equal
    # In Gram terms: (g_a - g_b) . u_c = (G_ac - G_bc) / |g_c|.
    GU = G / norms[None, :]
    U_of = lambda a: GU[a, 0] - GU[a, 1:]  # g_a . (u_1 - u_j), j = 2..K
    DU = np.array([U_of(0) - U_of(i) for i in range(1, k)])
    try:
        alpha = np.linalg.solve(DU.T, U_of(0))
    except np.linalg.LinAlgError:
        return equal
    if not np.isfinite(alpha).all() or np.linalg.cond(DU) > 1e12:
        return equal
    return [1 - float(alpha.sum())] + [float(a) for a in alpha]


def nash_weights(g, start, iterations):
    """alpha > 0 with G_hat alpha = 1/alpha (G_hat = G / |G|_F) by damped Newton on
    f(alpha) = alpha' G_hat alpha / 2 - sum log alpha, from the last alpha."""
    G = np.array(g, dtype=np.float64)
    norm = np.sqrt((G * G).sum())
    if not norm > 0:
        return list(start)
    G = G / norm
    f = lambda a: 0.5 * a @ G @ a - np.log(a).sum()
    gradient = lambda a: G @ a - 1 / a
    alpha = np.array([x if x > 0 else 1.0 for x in start], dtype=np.float64)
    for _ in range(iterations):
        grad = gradient(alpha)
        residual = np.linalg.norm(grad)
        if residual < 1e-12:
            break
        try:
            step = np.linalg.solve(G + np.diag(1 / alpha ** 2), -grad)
        except np.linalg.LinAlgError:
            break
        before, slope, t, moved = f(alpha), grad @ step, 1.0, None
        for _ in range(60):
            tried = alpha + t * step
            if (tried > 0).all() and (f(tried) <= before + 1e-4 * t * slope
                                      or np.linalg.norm(gradient(tried)) < residual):
                moved = tried
                break
            t /= 2
        if moved is None:
            break
        alpha = moved
    return [float(a) for a in alpha]


def aligned_weights(g):
    """Aligned-MTL: B = sqrt(lambda_r) V_r Lambda_r^-1/2 V_r^T over the eigenvalues above
    max(lambda) K eps(float32); the trunk's coefficients are B 1."""
    k = len(g)
    values, vectors = np.linalg.eigh(np.array(g, dtype=np.float64))
    order = np.argsort(-values)
    values, vectors = values[order], vectors[:, order]
    if not values[0] > 0:
        return [1.0] * k
    kept = values > values[0] * k * FLOAT32_EPSILON
    values, vectors = values[kept], vectors[:, kept]
    B = math.sqrt(values[-1]) * (vectors / np.sqrt(values)) @ vectors.T
    return [float(x) for x in B.sum(0)]
`;
