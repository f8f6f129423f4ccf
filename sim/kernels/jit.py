"""Compiled loops (Numba) for the hottest kernels, on NumPy arrays only.

Each function here fuses, in one pass over its arrays, what a kernel of
:mod:`sim.kernels` otherwise does in several whole-array NumPy operations
(each writing a temporary as large as the day's trials or ties). They draw
no random numbers: the caller draws the same uniforms from the same stream
as the array path, so both paths give the same bytes, and the tests check
that on every kernel (``tests/test_jit.py``) and through the golden hashes.

The array path stays the reference and is the one used for CuPy and the
strict namespace (:mod:`sim.strict_xp`), when Numba is not installed, or
when the environment variable ``SCSIM_JIT`` is ``0``. Compiled code is
cached on disk (Numba's ``cache=True``), so a process compiles a kernel once
per machine, not once per run.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

__all__ = ["enabled", "warm", "count_hits"]

_KERNELS: dict[str, Any] = {}


def enabled(xp: Any) -> bool:
    """True when the compiled loops serve arrays of ``xp``.

    That is NumPy arrays, with Numba importable and ``SCSIM_JIT`` not ``0``.
    Numba is imported on the first call (about half a second), not with
    :mod:`sim`.
    """
    if xp is not np or os.environ.get("SCSIM_JIT", "1") == "0":
        return False
    if not _KERNELS:
        try:
            from numba import njit
        except ImportError:  # pragma: no cover - numba is a declared dependency
            return False
        for name, fn in _LOOPS.items():
            _KERNELS[name] = njit(cache=True, nogil=True)(fn)
    return True


def warm() -> None:
    """Load (or compile) every compiled loop now, on tiny arrays.

    A process's first call of a Numba function costs about half a second
    even when the machine code is cached on disk; the model calls this while
    it is built, so that the cost falls in the set-up and not in the first
    day. Does nothing when :func:`enabled` is false for NumPy.
    """
    if not enabled(np):
        return
    out = np.zeros(2, np.int32)
    one = np.ones(1, np.int32)
    at = np.zeros(1, np.int64)
    u = np.zeros(1, np.float32)
    count_hits(u, 0, one, np.ones(1, np.float32), at, out)
    count_hits(u, 0, one, 0.5, at, out)


def _count_hits(u: Any, start: int, cnt: Any, p: Any, stride: int, at: Any,
                out: Any) -> int:  # pragma: no cover - compiled; tested through count_hits
    pos = start
    total = 0
    for j in range(cnt.shape[0]):
        c = cnt[j]
        pj = p[j * stride]
        h = 0
        for t in range(pos, pos + c):
            h += u[t] < pj  # (no branch: the outcomes are coin flips)
        pos += c
        out[at[j]] = h
        total += h
    return total


def count_hits(u: np.ndarray, start: int, cnt: np.ndarray, p: Any, at: np.ndarray,
               out: np.ndarray) -> int:
    """Count Bernoulli successes per entry, from consecutive uniforms.

    Entry ``j`` owns the ``cnt[j]`` uniforms that follow those of the entries
    before it, from ``u[start]`` on; each is a success when it is below
    ``p[j]`` (or the scalar ``p``). The count is written to ``out[at[j]]``.
    This is ``cumsum(u < repeat(p, cnt))`` read at the entries' ends, as
    :func:`sim.kernels.feed._binomials_at` does on arrays, without the
    per-trial temporaries.

    Parameters
    ----------
    u : float32 array (trials,)
        Uniforms on [0, 1).
    start : int
        Index in ``u`` of the first entry's first uniform.
    cnt : int array (k,)
        Trials per entry, >= 0.
    p : float, or float array (k,)
        Success probability per entry. It is compared with ``u`` in the
        dtype NumPy would use (a Python float as float32 against float32
        uniforms, NumPy's rule for Python scalars; a float64 array or NumPy
        float64 scalar as float64).
    at : int array (k,)
        Where each entry's count goes in ``out``.
    out : int32 array
        Written at ``at``.

    Returns
    -------
    int
        The number of successes in all.
    """
    if np.ndim(p) == 0:
        arr = np.full(1, p, dtype=np.result_type(u.dtype, p))
        stride = 0
    else:
        arr, stride = p, 1
    return int(_KERNELS["count_hits"](u, start, cnt, arr, stride, at, out))


#: the plain-Python loops that :func:`enabled` compiles, by name
_LOOPS = {"count_hits": _count_hits}
