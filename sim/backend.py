"""Array namespace for the population kernels: NumPy, or CuPy on a GPU.

The daily rules are written once against ``xp`` (the array module) and a
:class:`Draws` object for random numbers; ``backend = "cupy"`` swaps both.
The Mesa agents (resellers, merchants) always live on the host.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["get_xp", "to_host", "Draws"]


def get_xp(name: str) -> ModuleType:
    """Return the array module for backend ``name``.

    Raises
    ------
    ValueError
        If the backend is unknown, or CuPy is asked for but cannot be used.
    """
    if name == "numpy":
        return np
    if name == "cupy":
        try:
            import cupy  # type: ignore[import-not-found]

            cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # noqa: BLE001 - any failure means no usable GPU
            raise ValueError(
                f"run.backend = 'cupy' needs CuPy and a CUDA GPU ({type(exc).__name__}: {exc}); "
                "install scsim[gpu] on a GPU machine or use run.backend = 'numpy'") from None
        return cupy
    raise ValueError(f"run.backend = {name!r} is unknown; allowed: 'numpy', 'cupy'")


def to_host(a: Any) -> np.ndarray:
    """Copy an array of either backend to a NumPy array."""
    return a.get() if hasattr(a, "get") else np.asarray(a)


class Draws:
    """Random draws on the backend's device from a host-seeded generator.

    Parameters
    ----------
    xp : module
        numpy or cupy.
    rng : numpy.random.Generator
        Host generator the device generator is seeded from.
    """

    def __init__(self, xp: ModuleType, rng: np.random.Generator) -> None:
        self.xp = xp
        if xp is np:
            self._g = rng
        else:  # pragma: no cover - GPU only
            self._g = xp.random.RandomState(int(rng.integers(2**62)))

    def random(self, n: int) -> Any:
        """Uniform [0, 1) floats."""
        if self.xp is np:
            return self._g.random(n, dtype=np.float32)
        return self._g.random_sample(n, dtype=self.xp.float32)  # pragma: no cover

    def binomial(self, n: Any, p: Any) -> Any:
        """Binomial counts, elementwise."""
        return self._g.binomial(n, p)

    def poisson(self, lam: Any) -> Any:
        """Poisson counts, elementwise."""
        return self._g.poisson(lam)
