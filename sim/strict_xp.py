"""A CPU stand-in for CuPy that refuses to mix host and device arrays.

``xp`` (this module's namespace object) behaves like ``cupy`` but runs on
NumPy, so its numbers are bit-identical to the NumPy backend's.  Its arrays,
:class:`DeviceArray`, raise ``TypeError`` wherever CuPy would (implicit
conversion to NumPy, a host array mixed into an operation) and also where
CuPy would not (any ``numpy.f(device_array)``), so a test suite run on this
backend proves that the device code path never leaks onto the host.

Examples
--------
>>> import numpy as np
>>> from sim.strict_xp import xp
>>> a = xp.arange(4)
>>> int((a * 2).sum())
12
>>> a + np.ones(4)
Traceback (most recent call last):
...
TypeError: host array mixed with a device array in numpy.add; move it with xp.asarray
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

__all__ = ["DeviceArray", "StrictDraws", "xp", "Counts", "counting"]


@dataclass
class Counts:
    """What device code did while :func:`counting` was on."""

    reads: int = 0  #: device-to-host reads (``float``, ``int``, ``bool``, ``get``, ...)
    ops: int = 0  #: device operations (functions, ufuncs, indexing; a kernel launch or so each)


_COUNTS: Counts | None = None


@contextmanager
def counting() -> Iterator[Counts]:
    """Count device-to-host reads and device operations while the block runs.

    On a GPU each read synchronises (tens of microseconds) and each
    operation launches a kernel or more (several microseconds), so these
    counts are the fixed cost of device code, measured on the CPU. Draws of
    :class:`StrictDraws` are not counted (CuPy draws on the device).

    Examples
    --------
    >>> with counting() as c:
    ...     _ = float((xp.arange(3) * 2).sum())
    >>> c.reads, c.ops  # arange, multiply, sum; one float()
    (1, 3)
    """
    global _COUNTS
    outer, _COUNTS = _COUNTS, Counts()
    try:
        yield _COUNTS
    finally:
        _COUNTS = outer


def _read() -> None:
    if _COUNTS is not None:
        _COUNTS.reads += 1


def _op() -> None:
    if _COUNTS is not None:
        _COUNTS.ops += 1

_TRANSFERS = frozenset({"asarray", "array", "asanyarray", "ascontiguousarray"})


def _host_error(where: str) -> TypeError:
    return TypeError(f"host array mixed with a device array in {where}; move it with xp.asarray")


def _dev(x: Any, where: str) -> Any:
    """Unwrap device arrays in ``x`` (also inside lists and tuples) for NumPy.

    Raises
    ------
    TypeError
        If ``x`` holds a host ``numpy.ndarray`` with ``ndim > 0``.
    """
    t = type(x)
    if t is DeviceArray:
        return x._a
    if t is tuple or t is list:
        return t(_dev(v, where) for v in x)
    if isinstance(x, np.ndarray) and x.ndim:
        raise _host_error(where)
    return x


def _any(x: Any) -> Any:
    """Unwrap device arrays in ``x`` and let host arrays through (transfers)."""
    t = type(x)
    if t is DeviceArray:
        return x._a
    if t is tuple or t is list:
        return t(_any(v) for v in x)
    return x


def _wrap(r: Any) -> Any:
    """Wrap NumPy results: arrays and NumPy scalars become (0-d) device arrays."""
    if isinstance(r, np.ndarray):
        return DeviceArray(r)
    if isinstance(r, np.generic):
        return DeviceArray(np.asarray(r))
    if type(r) is tuple or type(r) is list:
        return type(r)(_wrap(v) for v in r)
    if isinstance(r, tuple):  # named tuples such as numpy.unique_all's
        return type(r)(*(_wrap(v) for v in r))
    return r


def _call(f: Any, where: str, args: tuple, kw: dict) -> Any:
    """Call ``f`` on unwrapped arguments; return ``out=`` itself when it was a device array."""
    _op()
    r = f(*_dev(args, where), **{k: _dev(v, where) for k, v in kw.items()})
    out = kw.get("out")
    if type(out) is DeviceArray:
        return out
    return _wrap(r)


def _ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kw: dict) -> Any:
    """Apply ``ufunc.method`` to device arrays, keeping ``out=`` arrays in place."""
    _op()
    where = f"numpy.{ufunc.__name__}"
    out = kw.get("out")
    if out is not None and type(out) is not tuple:
        kw = {**kw, "out": (out,)}
        out = (out,)
    r = getattr(ufunc, method)(*_dev(inputs, where), **{k: _dev(v, where) for k, v in kw.items()})
    if method == "at":
        return None
    if out is not None:
        return out[0] if len(out) == 1 else out
    return _wrap(r)


class DeviceArray(NDArrayOperatorsMixin):
    """A NumPy array posing as a CuPy array: no implicit trips to or from the host.

    Parameters
    ----------
    a : numpy.ndarray
        The data, wrapped without a copy.

    Notes
    -----
    Operators go through :meth:`__array_ufunc__` (the NumPy mixin); other
    methods and attributes are delegated to the wrapped array, with arguments
    unwrapped and array or scalar results wrapped, so ``a.sum()`` is a 0-d
    device array as in CuPy.  ``get()``, ``item()`` and ``tolist()`` are the
    explicit ways back to the host.
    """

    __slots__ = ("_a",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, a: np.ndarray) -> None:
        self._a = a

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError("implicit conversion of a device array to NumPy is not allowed: "
                        "use sim.backend.to_host")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(f"numpy.{func.__name__} called on a device array; "
                        f"use the backend's xp.{func.__name__}")

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kw: Any) -> Any:
        return _ufunc(ufunc, method, inputs, kw)

    def get(self) -> np.ndarray:
        """Return a host copy (``cupy.ndarray.get``)."""
        _read()
        return self._a.copy()

    def __getitem__(self, idx: Any) -> DeviceArray:
        _op()
        r = self._a[_dev(idx, "indexing")]
        return DeviceArray(r if type(r) is np.ndarray else np.asarray(r))

    def __setitem__(self, idx: Any, value: Any) -> None:
        _op()
        self._a[_dev(idx, "indexing")] = _dev(value, "item assignment")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # never leak __array_interface__, __dlpack__, ...
            raise AttributeError(f"'DeviceArray' object has no attribute {name!r}")
        if name in ("tolist", "item"):
            _read()
        v = getattr(self._a, name)
        if callable(v):
            def method(*args: Any, **kw: Any) -> Any:
                return _call(v, f"DeviceArray.{name}", args, kw)

            return method
        return _wrap(v)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._a.shape

    @property
    def dtype(self) -> np.dtype:
        return self._a.dtype

    @property
    def ndim(self) -> int:
        return self._a.ndim

    @property
    def size(self) -> int:
        return self._a.size

    def __copy__(self) -> DeviceArray:
        return DeviceArray(self._a.copy())

    def __deepcopy__(self, memo: dict) -> DeviceArray:
        return DeviceArray(self._a.copy())

    def __float__(self) -> float:
        _read()
        return float(self._a)

    def __int__(self) -> int:
        _read()
        return int(self._a)

    def __complex__(self) -> complex:
        _read()
        return complex(self._a)

    def __bool__(self) -> bool:
        _read()
        return bool(self._a)

    def __index__(self) -> int:
        _read()
        return self._a.__index__()

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self._a)))

    def __format__(self, spec: str) -> str:
        return format(self._a, spec)

    def __repr__(self) -> str:
        return f"DeviceArray({np.array2string(self._a, separator=', ')}, dtype={self._a.dtype})"

    def __str__(self) -> str:
        return str(self._a)


class _Ufunc:
    """``xp.add`` and friends: a NumPy ufunc that takes and returns device arrays."""

    __slots__ = ("_u",)

    def __init__(self, u: np.ufunc) -> None:
        self._u = u

    def __call__(self, *inputs: Any, **kw: Any) -> Any:
        return _ufunc(self._u, "__call__", inputs, kw)

    def at(self, *inputs: Any, **kw: Any) -> None:
        """Unbuffered in-place ``ufunc.at``."""
        _ufunc(self._u, "at", inputs, kw)

    def reduce(self, *inputs: Any, **kw: Any) -> Any:
        """``ufunc.reduce``."""
        return _ufunc(self._u, "reduce", inputs, kw)

    def accumulate(self, *inputs: Any, **kw: Any) -> Any:
        """``ufunc.accumulate``."""
        return _ufunc(self._u, "accumulate", inputs, kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._u, name)

    def __repr__(self) -> str:
        return f"<strict ufunc {self._u.__name__!r}>"


def _function(f: Any, name: str) -> Any:
    where = f"xp.{name}"
    if name in _TRANSFERS:
        def transfer(*args: Any, **kw: Any) -> Any:
            return _wrap(f(*_any(args), **{k: _any(v) for k, v in kw.items()}))

        return transfer

    def function(*args: Any, **kw: Any) -> Any:
        return _call(f, where, args, kw)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f.__doc__
    return function


class _Namespace(types.ModuleType):
    """NumPy's namespace with device arrays in and out; built lazily and cached."""

    def __init__(self, name: str, np_module: types.ModuleType) -> None:
        super().__init__(name)
        self._np = np_module

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        v = getattr(self._np, name)
        if isinstance(v, np.ufunc):
            v = _Ufunc(v)
        elif isinstance(v, types.ModuleType):
            v = _Namespace(f"{self.__name__}.{name}", v)
        elif callable(v) and not isinstance(v, type):
            v = _function(v, name)
        setattr(self, name, v)
        return v

    def asarray(self, a: Any, dtype: Any = None) -> DeviceArray:
        """Move ``a`` to the device (a copy, like a transfer); device arrays pass through."""
        if type(a) is DeviceArray:
            return a if dtype is None or a.dtype == dtype else DeviceArray(a._a.astype(dtype))
        return DeviceArray(np.array(_any(a), dtype=dtype))

    asanyarray = asarray

    def asnumpy(self, a: Any) -> np.ndarray:
        """Copy ``a`` to the host (``cupy.asnumpy``)."""
        return a.get() if type(a) is DeviceArray else np.asarray(a)


xp = _Namespace("strict", np)
xp.ndarray = DeviceArray  # type: ignore[attr-defined]


class StrictDraws:
    """Random draws for the strict backend: the host generator's numbers, on the "device".

    Parameters
    ----------
    rng : numpy.random.Generator
        Host generator; called exactly as the NumPy backend calls it, so the
        draws are identical.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.xp = xp
        self._g = rng

    def random(self, n: Any, dtype: Any = np.float32) -> DeviceArray:
        """Uniform [0, 1) floats."""
        return _wrap(np.asarray(self._g.random(_dev(n, "random"), dtype=dtype)))

    def binomial(self, n: Any, p: Any, size: Any = None) -> DeviceArray:
        """Binomial counts, elementwise."""
        return _wrap(np.asarray(self._g.binomial(_dev(n, "binomial"), _dev(p, "binomial"), size)))

    def poisson(self, lam: Any, size: Any = None) -> DeviceArray:
        """Poisson counts, elementwise."""
        return _wrap(np.asarray(self._g.poisson(_dev(lam, "poisson"), size)))

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False) -> DeviceArray:
        """Random integers in [low, high) (or [low, high] with ``endpoint``)."""
        low, high = _dev(low, "integers"), _dev(high, "integers")
        return _wrap(np.asarray(self._g.integers(low, high, size, dtype=dtype, endpoint=endpoint)))
