"""Compiled loops (Numba) for the hottest kernels, on NumPy arrays only.

A kernel of :mod:`sim.kernels` that is hot enough keeps its array path (the
reference, written with ``xp``) and adds a plain-Python loop, declared with
:func:`loop`, that does the same work in one pass, without the whole-array
temporaries the array path writes. The loops draw no random numbers: the
caller draws the same uniforms from the same stream as the array path, and
they do the same float32 / float64 operations in the same order, so both
paths give the same bytes. ``tests/test_jit.py`` checks each loop against
its array path, and the golden hashes check whole runs.

The array path is the one used for CuPy and the strict namespace
(:mod:`sim.strict_xp`), when Numba is not installed, or when the
environment variable ``SCSIM_JIT`` is ``0``. Numba is imported on first use
(about half a second), not with :mod:`sim`; compiled code is cached on disk
(Numba's ``cache=True``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Loop", "enabled", "loop", "warm", "warmer"]

_LOOPS: list[Loop] = []
_WARMERS: list[Callable[[], None]] = []
_STATE = {"numba": None}


def _numba_njit() -> Any:
    if _STATE["numba"] is None:
        try:
            from numba import njit
        except ImportError:  # pragma: no cover - numba is a declared dependency
            njit = False
        _STATE["numba"] = njit
    return _STATE["numba"]


def enabled(xp: Any) -> bool:
    """True when the compiled loops serve arrays of ``xp``.

    That is NumPy arrays, with Numba importable and ``SCSIM_JIT`` not ``0``.
    """
    return xp is np and os.environ.get("SCSIM_JIT", "1") != "0" and bool(_numba_njit())


class Loop:
    """A plain-Python loop over NumPy arrays, compiled by Numba on its first call.

    Call it like the function it wraps. :attr:`py` is the uncompiled
    function (for reading, and for tests of the loop's logic).
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.py = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        self._compiled: Any = None

    def __call__(self, *args: Any) -> Any:
        if self._compiled is None:
            self._compiled = _numba_njit()(cache=True, nogil=True)(self.py)
        return self._compiled(*args)


def loop(fn: Callable[..., Any]) -> Loop:
    """Declare ``fn`` a compiled loop (decorator). Only call it where :func:`enabled` is true."""
    out = Loop(fn)
    _LOOPS.append(out)
    return out


def warmer(fn: Callable[[], None]) -> Callable[[], None]:
    """Declare ``fn`` a warm-up (decorator): it calls its module's loops on tiny arrays.

    The arrays must have the dtypes the model passes, so that the compiled
    signature is the one the run needs.
    """
    _WARMERS.append(fn)
    return fn


def warm() -> None:
    """Load (or compile) every compiled loop now, by running every warm-up.

    A process's first call of a Numba function costs about half a second
    even when its machine code is cached on disk; the model calls this while
    it is built, so that the cost falls in the set-up and not on the first
    day. When the loops are being compiled (the first model on a machine,
    about 20 s), a progress bar says so on a terminal. Does nothing when
    :func:`enabled` is false for NumPy.
    """
    if not enabled(np):
        return
    bar = None
    for i, fn in enumerate(_WARMERS):
        t0 = time.perf_counter()
        fn()
        if bar is not None:
            bar.update()
        elif time.perf_counter() - t0 > 1.0:  # compiling, not loading: say so on a terminal
            from tqdm.auto import tqdm

            bar = tqdm(total=len(_WARMERS), initial=i + 1, unit="module", disable=None,
                       leave=False, desc="compiling the loops (once per machine)")
    if bar is not None:
        bar.close()
