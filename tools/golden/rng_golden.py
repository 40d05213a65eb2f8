"""Golden values for src/core/rng.ts: numpy's legacy RandomState, which NVIDIA's generate.py uses for z.

Run from the repository root (any numpy >= 1.17; the legacy stream is frozen):
    python3 tools/golden/rng_golden.py > src/core/rng.golden.json && npx biome format --write src/core/rng.golden.json
Floats are written with repr, which round-trips float64 exactly; ints that may exceed 2**53 as strings.
"""

import json

import numpy as np

SEEDS = [0, 1, 42, 85, 265, 123456789, 2**32 - 1, [1, 2, 3]]


def floats(a):
    return [float(x) for x in np.asarray(a).ravel()]


def case(seed):
    rs = np.random.RandomState(seed)
    out = {"seed": seed}
    out["randn"] = floats(rs.randn(21))  # odd count leaves a cached gauss behind
    out["rand"] = floats(rs.rand(20))  # rand after randn ignores the cached gauss
    out["randn_after"] = floats(rs.randn(3))  # ...which is still returned first here
    out["randint10"] = [int(x) for x in rs.randint(0, 10, 20)]
    out["randint_big"] = [str(x) for x in rs.randint(0, 2**40, 5)]
    out["randint_neg"] = [int(x) for x in rs.randint(-5, 3, 10)]
    out["randint_scalar"] = int(rs.randint(1000))
    out["randint_u32"] = [int(x) for x in rs.randint(0, 2**32, 3)]  # range exactly 2**32: no mask
    out["permutation"] = [int(x) for x in rs.permutation(10)]
    out["permutation_big"] = [int(x) for x in rs.permutation(70000)[:10]]
    out["randint_wide"] = [str(x) for x in rs.randint(-(2**52), 2**52, 5)]  # 53-bit range: widest rng.ts allows
    return out


def state_case():
    rs = np.random.RandomState(7)
    rs.randn(3)
    _, key, pos, has_gauss, gauss = rs.get_state()
    return {
        "seed": 7,
        "draws": "randn(3)",
        "key_head": [int(k) for k in key[:5]],
        "key_sum": str(int(key.astype(np.uint64).sum())),
        "pos": int(pos),
        "hasGauss": bool(has_gauss),
        "gauss": float(gauss),
        "next_randn": floats(rs.randn(4)),
    }


def seq_sum(xs):
    total = 0.0
    for x in xs:
        total += float(x)
    return total


def z85():
    z = np.random.RandomState(85).randn(1, 512)
    idx = [0, 1, 2, 255, 510, 511]
    return {
        "seed": 85,
        "shape": [1, 512],
        "index": idx,
        "values": [float(z[0, i]) for i in idx],
        "float32": [float(np.float32(z[0, i])) for i in idx],
        # Left-to-right float64 sums (not numpy's pairwise sum) so the test can redo them exactly.
        "sum": seq_sum(z.ravel()),
        "float32_sum": seq_sum(z.ravel().astype(np.float32)),
    }


print(json.dumps({"numpy": np.__version__, "cases": [case(s) for s in SEEDS], "state": state_case(), "z85": z85()}, indent=1))
