"""slopes: numerical differentiation and gradient-based optimisation of black-box functions.

Derivatives, gradients, Jacobians and Hessians by finite differences with
honest error estimates; gradient descent and its modern variants with
diagnostics; minibatch training on real data; pictures of all of it; and
parallel or distributed evaluation when one function call is expensive.

Submodules and public functions are loaded lazily on first use, so that
``import slopes`` (and the ``slopes`` command line) starts quickly and the
plotting stack is only imported when a picture is drawn.

Examples
--------
>>> import slopes
>>> float(slopes.derivative(lambda x: 0.01 * x**2 + 0.1 * x, 5.0, step=1e-4))
0.1999999999990898
"""

# No `from __future__ import annotations`, and the standard library under private names:
# everything bound here is visible as `slopes.<name>`, and only the public API should be.
import importlib as _importlib
import typing as _typing

__version__ = "0.1.0"  # the one place the version is written: pyproject.toml reads it

# public name -> (module, attribute or None for the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "derivative": ("slopes.differentiate", "derivative"),
    "gradient": ("slopes.differentiate", "gradient"),
    "jacobian": ("slopes.differentiate", "jacobian"),
    "hessian": ("slopes.differentiate", "hessian"),
    "check_grad": ("slopes.differentiate", "check_grad"),
    "jvp": ("slopes.differentiate", "jvp"),
    "hvp": ("slopes.differentiate", "hvp"),
    "hessdiag": ("slopes.differentiate", "hessdiag"),
    "taylor": ("slopes.differentiate", "taylor"),
    "propagate": ("slopes.differentiate", "propagate"),
    "minimize": ("slopes.descent", "minimize"),
    "fit": ("slopes.training", "fit"),
    "book": ("slopes.book", None),
    "optim": ("slopes.optim", None),
    "datasets": ("slopes.datasets", None),
    "models": ("slopes.models", None),
    "functions": ("slopes.functions", None),
    "plot": ("slopes.plot", None),
    "expr": ("slopes.expr", None),
    "tour": ("slopes.tour", None),
    "SlopesWarning": ("slopes._util.warnings", "SlopesWarning"),
    "Status": ("slopes._util.status", "Status"),
    "Workers": ("slopes.parallel", "Workers"),
    "WorkerError": ("slopes.parallel", "WorkerError"),
    "WorkerTimeout": ("slopes.parallel", "WorkerTimeout"),
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> _typing.Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'slopes' has no attribute {name!r}") from None
    module = _importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # cache: later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    # the public API only, loaded or not: what tab completion should offer
    return list(__all__)


if _typing.TYPE_CHECKING:  # pragma: no cover - for static type checkers and IDEs only
    from . import book, datasets, expr, functions, models, optim, plot, tour  # noqa: F401
    from ._util.status import Status  # noqa: F401
    from ._util.warnings import SlopesWarning  # noqa: F401
    from .descent import minimize  # noqa: F401
    from .differentiate import (  # noqa: F401
        check_grad,
        derivative,
        gradient,
        hessian,
        jacobian,
    )
    from .differentiate._directional import hvp, jvp  # noqa: F401
    from .differentiate._hessdiag import hessdiag  # noqa: F401
    from .differentiate._propagate import propagate  # noqa: F401
    from .differentiate._taylor import taylor  # noqa: F401
    from .parallel import WorkerError, Workers, WorkerTimeout  # noqa: F401
    from .training import fit  # noqa: F401
