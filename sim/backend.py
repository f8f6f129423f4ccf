"""Array namespace for the population and tie arrays: NumPy, or CuPy on a GPU.

The daily rules are written once against ``xp`` (the array module) and a
:class:`Draws` object for random numbers; ``backend = "cupy"`` swaps both.
The Mesa agents (resellers, merchants) and the seller table always live on
the host: what crosses between the two goes through :func:`to_host` and
:func:`to_device`, which are free on the NumPy backend.

``backend = "strict"`` is NumPy underneath but behaves like a GPU's arrays
(:mod:`sim.strict_xp`): mixing host arrays into device code, or converting
implicitly, raises. The tests run the model on it to check the device code
path on machines without a GPU; its numbers are the NumPy backend's, bit for
bit. The few operations whose CuPy spelling differs from NumPy's
(:func:`repeat`, :func:`add_at`, :func:`subtract_at`, :func:`multiply_at`)
take the device branch on it too, so that branch is tested as well.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["BACKENDS", "get_xp", "backend_name", "PicklesBackend", "gpu_available",
           "synchronize", "device_info", "is_host", "to_host", "to_device", "Draws", "repeat",
           "add_at", "subtract_at", "multiply_at"]

#: the backends a scenario may name
BACKENDS = ("numpy", "cupy", "strict")


def get_xp(name: str) -> ModuleType:
    """Return the array module for backend ``name``.

    Raises
    ------
    ValueError
        If the backend is unknown, or CuPy is asked for but cannot be used.
    """
    if name == "numpy":
        return np
    if name == "strict":
        from sim.strict_xp import xp

        return xp
    if name == "cupy":
        try:
            import cupy  # type: ignore[import-not-found]

            cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # noqa: BLE001 - any failure means no usable GPU
            raise ValueError(
                f"run.backend = 'cupy' needs CuPy and a CUDA GPU ({type(exc).__name__}: {exc}); "
                "install scsim[gpu] on a GPU machine or use run.backend = 'numpy'") from None
        return cupy
    allowed = ", ".join(map(repr, BACKENDS))
    raise ValueError(f"run.backend = {name!r} is unknown; allowed: {allowed}")


def backend_name(xp: Any) -> str:
    """The backend name of array namespace ``xp`` (the inverse of :func:`get_xp`)."""
    if xp is np:
        return "numpy"
    name = getattr(xp, "__name__", "")
    if name in ("strict", "sim.strict_xp") or type(xp).__module__ == "sim.strict_xp":
        return "strict"
    if name.startswith("cupy"):  # pragma: no cover - GPU only
        return "cupy"
    raise ValueError(f"unknown array namespace {xp!r}")


class PicklesBackend:
    """Mixin: pickles the ``xp`` attribute by backend name (a module cannot be pickled)."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["xp"] = backend_name(state["xp"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state["xp"] = get_xp(state["xp"])
        self.__dict__.update(state)


def gpu_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        import cupy  # type: ignore[import-not-found]

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no CuPy, no driver, no device: all mean no GPU
        return False


def synchronize(xp: Any) -> None:
    """Wait for the device's queued work (CuPy runs asynchronously); a no-op elsewhere."""
    if getattr(xp, "__name__", "") == "cupy":  # pragma: no cover - GPU only
        xp.cuda.runtime.deviceSynchronize()


def device_info(xp: Any) -> dict[str, Any]:
    """The device's name and the bytes its memory pool holds (CuPy), else the host's."""
    if getattr(xp, "__name__", "") == "cupy":  # pragma: no cover - GPU only
        props = xp.cuda.runtime.getDeviceProperties(xp.cuda.Device().id)
        name = props["name"]
        return {"device": name.decode() if isinstance(name, bytes) else str(name),
                "pool_bytes": int(xp.get_default_memory_pool().total_bytes())}
    return {"device": "host (CPU)", "pool_bytes": 0}


def is_host(xp: Any) -> bool:
    """True when ``xp`` is NumPy itself (arrays already on the host)."""
    return xp is np


def to_host(a: Any) -> Any:
    """Copy an array of any backend to a NumPy array (NumPy arrays pass through)."""
    return a.get() if hasattr(a, "get") else np.asarray(a)


def to_device(xp: Any, a: Any) -> Any:
    """Place a host array on ``xp``'s device (a no-op on the NumPy backend)."""
    return a if xp is np else xp.asarray(a)


def repeat(xp: Any, a: Any, counts: Any) -> Any:
    """``numpy.repeat(a, counts)`` for a 1-d ``a`` and an integer array ``counts``.

    On a device, a ``searchsorted`` over the running total of ``counts``
    (without a round trip of ``counts`` to the host).
    """
    if xp is np:
        return a.repeat(counts)
    ends = xp.cumsum(counts)
    total = int(ends[-1]) if ends.shape[0] else 0
    return a[xp.searchsorted(ends, xp.arange(total), side="right")]


def add_at(xp: Any, a: Any, idx: Any, values: Any) -> None:
    """``numpy.add.at(a, idx, values)``: unbuffered, repeated indices add up."""
    xp.add.at(a, idx, values)


def subtract_at(xp: Any, a: Any, idx: Any, values: Any) -> None:
    """``numpy.subtract.at(a, idx, values)`` (on a device, an add of ``-values``)."""
    if xp is np:
        np.subtract.at(a, idx, values)
    else:
        xp.add.at(a, idx, -values)


def multiply_at(xp: Any, a: Any, idx: Any, factor: Any) -> None:
    """``numpy.multiply.at(a, idx, factor)`` for a scalar ``factor``.

    On a device, in rounds: each round multiplies every index once more, so
    an index listed ``k`` times is multiplied ``k`` times in a row with the
    same rounding as NumPy's sequential loop.
    """
    if xp is np:
        np.multiply.at(a, idx, factor)
        return
    if idx.shape[0] == 0:
        return
    s = xp.sort(idx)
    rank = xp.arange(s.shape[0]) - xp.searchsorted(s, s, side="left")
    for r in range(int(rank.max()) + 1):
        a[s[rank == r]] *= factor


class Draws(PicklesBackend):
    """Random draws on the backend's device from a host-seeded generator.

    On NumPy (and on ``strict``) the draws come from the host generator
    itself, so a model draws the same numbers whichever of the two it runs
    on; on CuPy a device generator is seeded from one draw of it.

    Parameters
    ----------
    xp : module
        numpy, cupy or the strict namespace.
    rng : numpy.random.Generator
        Host generator.
    """

    def __init__(self, xp: ModuleType, rng: np.random.Generator) -> None:
        self.xp = xp
        self._device = False
        if xp is np:
            self._g: Any = rng
        elif getattr(xp, "__name__", "") == "strict":
            from sim.strict_xp import StrictDraws

            self._g = StrictDraws(rng)  # the host stream's numbers, as device arrays
        else:  # pragma: no cover - GPU only
            self._g = xp.random.RandomState(int(rng.integers(2**62)))
            self._device = True

    def random(self, n: int, dtype: Any = np.float32) -> Any:
        """Uniform [0, 1) floats (float32 unless ``dtype`` says otherwise)."""
        if self._device:  # pragma: no cover - GPU only
            return self._g.random_sample(int(n), dtype=dtype)
        return self._g.random(n, dtype=dtype)

    def binomial(self, n: Any, p: Any) -> Any:
        """Binomial counts, elementwise."""
        return self._g.binomial(n, p)

    def poisson(self, lam: Any, size: Any = None) -> Any:
        """Poisson counts, elementwise."""
        return self._g.poisson(lam, size)
