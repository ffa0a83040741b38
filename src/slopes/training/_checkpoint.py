"""Checkpoints of a training run: saved atomically, restored exactly, read defensively.

A checkpoint is one ``.npz`` file holding the parameters, the optimiser
state, the state of the random generator that shuffles the minibatches, the
step and epoch counters and the history. It is written to a temporary file
in the same folder, flushed to disk (``fsync``) and renamed over the old one
(``os.replace``, atomic on POSIX and Windows), so a process killed at any
moment leaves either the previous checkpoint or the new one, never half of one
(a temporary file left by a kill is removed by the next run, see
:func:`checkpoint_path`).

Pytrees (the parameters, an optimiser's NamedTuple state) are stored as their
leaves, ``params/0``, ``params/1``...; the structure comes back from a
*template* -- the caller's initial parameters, ``optimizer.init(params)`` --
so no Python objects are pickled and a checkpoint never executes code when
loaded (``allow_pickle=False``).

A checkpoint is input like any other: it may be damaged or forged. Before
anything is read, every entry's declared size is compared with what the run
implies (the parameters' shapes, the number of steps, the number of
samples), so a small file cannot inflate into gigabytes; then every field is
checked (types, ranges, the counters against each other, the permutation is
one), and every refusal is a :class:`CheckpointError` that names the field.

Examples
--------
>>> import numpy as np, os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
>>> arrays = pack_tree("params", {"w": np.arange(3.0), "n": 2, "m": None})
>>> save(path, {"step": 7}, arrays)
>>> meta, stored = load(path)
>>> meta["step"], unpack_tree({"w": np.zeros(3), "n": 0, "m": None}, "params", stored)
(7, {'w': array([0., 1., 2.]), 'n': 2, 'm': None})
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import json
import math
import numbers
import os
import tempfile
import types
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._util.pytree import flatten, unflatten
from ..optim import Optimizer

__all__ = [
    "CheckpointError",
    "Entry",
    "TrainingState",
    "checkpoint_path",
    "describe_optimizer",
    "load",
    "pack_tree",
    "save",
    "unpack_tree",
]

FORMAT = "slopes-fit-checkpoint-1"
DEFAULT_NAME = "fit-checkpoint.npz"
META_LIMIT = 1 << 20  # bytes of JSON metadata a checkpoint may hold
ANY_LIMIT = 1 << 30  # bytes per entry when the caller gives no expectations
STATUSES = ("running", "completed", "stopped")  # a diverged run is never saved
# steps at which a callable learning rate is sampled for the fingerprint
LR_SAMPLE_STEPS = (0, 1, 2, 3, 10, 100, 1000, 10000)


class CheckpointError(ValueError):
    """A checkpoint file is unreadable, invalid, or belongs to a different training run."""


class Entry(NamedTuple):
    """What one array of a checkpoint may be.

    ``kinds``: the numpy dtype kinds allowed (``"f"``, ``"iu"``...), or an
    exact dtype string such as ``"<f8"``; ``shape``: the exact shape, or
    None for a 1-D array of at most ``max_length`` elements.
    """

    kinds: str
    shape: tuple[int, ...] | None
    max_length: int = 0

    def max_bytes(self) -> int:
        count = math.prod(self.shape) if self.shape is not None else self.max_length
        return 16 * max(count, 1) + 4096  # the widest allowed dtype, plus the .npy header


def checkpoint_path(checkpoint: str | os.PathLike[str]) -> str:
    """The file for ``checkpoint``, with its folder created, writable and cleaned.

    ``checkpoint`` is the file itself if it ends in ``.npz``, else a folder
    for ``fit-checkpoint.npz``. Checked before the first training step: a
    folder that cannot be created or written is refused now, not after the
    work is done. Temporary files that a killed save left behind are removed.

    Raises
    ------
    ValueError
        If the folder cannot be created or written to.
    """
    path = os.fspath(checkpoint)
    if path.endswith(".npz") and not os.path.isdir(path):
        folder = os.path.dirname(path) or "."
    else:
        folder, path = path, os.path.join(path, DEFAULT_NAME)
    try:
        os.makedirs(folder, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".slopes-write-test.")
        os.close(handle)
        os.remove(probe)
    except OSError as exc:
        raise ValueError(
            f"`checkpoint` folder {folder} cannot be created or written to "
            f"({exc.strerror or exc}); pass a writable folder or file"
        ) from None
    for stale in glob.glob(os.path.join(glob.escape(folder), _temporary_prefix(path) + "*.tmp")):
        with contextlib.suppress(OSError):  # removed meanwhile, or not ours: harmless
            os.remove(stale)
    return path


def _temporary_prefix(path: str) -> str:
    return "." + os.path.basename(path) + "."


def pack_tree(prefix: str, tree: Any) -> dict[str, np.ndarray]:
    """The leaves of ``tree`` as arrays ``prefix/0``, ``prefix/1``...; None leaves are skipped."""
    leaves, _ = flatten(tree)
    return {f"{prefix}/{i}": np.asarray(leaf) for i, leaf in enumerate(leaves) if leaf is not None}


def tree_entries(template: Any, prefix: str) -> dict[str, Entry]:
    """The :class:`Entry` of every stored leaf of ``template`` (exact shapes and dtypes)."""
    leaves, _ = flatten(template)
    entries = {}
    for i, leaf in enumerate(leaves):
        if leaf is None:
            continue
        if isinstance(leaf, bool):
            kinds = "b"
        elif isinstance(leaf, numbers.Integral):
            kinds = "iu"
        elif isinstance(leaf, float):
            kinds = "f"
        else:
            kinds = np.asarray(leaf).dtype.str
        entries[f"{prefix}/{i}"] = Entry(kinds, np.shape(leaf))
    return entries


def unpack_tree(template: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """Rebuild a pytree shaped like ``template`` from the leaves :func:`pack_tree` stored.

    Python numbers in the template (an optimiser's step count) come back as
    Python numbers of the same type; None leaves stay None. Float leaves must
    be finite and integer ones non-negative (a saved run never diverged).
    """
    leaves, treedef = flatten(template)
    restored: list[Any] = []
    for i, leaf in enumerate(leaves):
        key = f"{prefix}/{i}"
        if leaf is None:
            if key in arrays:
                raise CheckpointError(f"checkpoint entry `{key}` holds data where None is expected")
            restored.append(None)
            continue
        if key not in arrays:
            raise CheckpointError(f"checkpoint has no entry `{key}`; it belongs to another run")
        value = arrays[key]
        if np.shape(leaf) != value.shape:
            raise CheckpointError(
                f"checkpoint entry `{key}` has shape {value.shape}, expected {np.shape(leaf)}"
            )
        _check_values(key, value)
        if isinstance(leaf, (bool, int, float)) and not isinstance(leaf, np.ndarray):
            restored.append(type(leaf)(value.item()))
        elif isinstance(leaf, np.generic):
            restored.append(value.astype(leaf.dtype)[()])
        else:
            restored.append(value.copy())
    return unflatten(treedef, restored)


def _check_values(key: str, value: np.ndarray) -> None:
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise CheckpointError(f"checkpoint entry `{key}` holds NaN or inf")
    if value.dtype.kind == "i" and np.any(value < 0):
        raise CheckpointError(f"checkpoint entry `{key}` holds a negative count")


def save(path: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write ``meta`` (JSON-able) and ``arrays`` to ``path`` atomically."""
    folder = os.path.dirname(os.path.abspath(path))
    payload: dict[str, Any] = dict(arrays)  # Any: savez's **kwds could fill its bool options
    payload["__meta__"] = np.array(json.dumps({"format": FORMAT, **meta}))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=_temporary_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **payload)
            stream.flush()
            os.fsync(stream.fileno())  # the data is on disk before the rename makes it visible
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    # makes the rename itself durable; folders cannot be opened this way on Windows
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def load(
    path: str, expected: Mapping[str, Entry] | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a checkpoint: its metadata and its arrays, each checked before it is read.

    Parameters
    ----------
    path : str
        The ``.npz`` file.
    expected : mapping of name to Entry, optional
        The arrays the file may hold. Any other entry, a wrong dtype or shape,
        or a declared size beyond the entry's bound is refused before its data
        is read. None: any entries, each at most ``ANY_LIMIT`` bytes.

    Raises
    ------
    CheckpointError
        Naming the entry or field, for anything unreadable or unexpected.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, UnicodeDecodeError):
        # a damaged central directory can also claim a zip version or compression
        # that zipfile does not implement (NotImplementedError), or garble a name
        raise CheckpointError(
            f"cannot read checkpoint {path}: it is not a slopes checkpoint (not an .npz "
            "archive; damaged or another kind of file); delete it to start afresh"
        ) from None
    except OSError as exc:
        raise CheckpointError(f"cannot read checkpoint {path} ({exc}); delete it") from None
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        if "__meta__.npy" not in infos:
            raise CheckpointError(f"checkpoint {path} has no `__meta__` entry; delete it")
        meta_array = _read_entry(
            path, archive, infos.pop("__meta__.npy"), Entry("U", ()), META_LIMIT
        )
        try:
            meta = json.loads(str(meta_array))
        except ValueError as exc:
            raise CheckpointError(
                f"checkpoint {path}: `__meta__` is not valid JSON ({exc})"
            ) from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
            raise CheckpointError(f"{path} is not a slopes fit checkpoint ({found!r})")
        arrays = {}
        for filename, info in infos.items():
            name = filename[:-4] if filename.endswith(".npy") else filename
            if expected is None:
                entry, limit = None, ANY_LIMIT
            elif name in expected:
                entry = expected[name]
                limit = entry.max_bytes()
            else:
                raise CheckpointError(
                    f"checkpoint {path} has an unexpected entry `{name}`; it belongs to "
                    "another run or was altered"
                )
            arrays[name] = _read_entry(path, archive, info, entry, limit)
    return meta, arrays


def _read_entry(
    path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: Entry | None, limit: int
) -> np.ndarray:
    """One ``.npy`` member: size bound, header checked, then the data (no pickles)."""
    name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
    if info.file_size > limit:
        raise CheckpointError(
            f"checkpoint {path}: entry `{name}` declares {info.file_size} bytes, more than "
            f"the {limit} this run can need; refusing to read it"
        )
    try:
        with archive.open(info) as stream:
            version = np.lib.format.read_magic(stream)
            header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = header(stream)
            if dtype.hasobject:
                raise CheckpointError(f"checkpoint {path}: entry `{name}` holds Python objects")
            _check_header(path, name, shape, dtype, entry)
            count = math.prod(shape)
            if count * dtype.itemsize > limit:
                raise CheckpointError(
                    f"checkpoint {path}: entry `{name}` has shape {shape}, more than the {limit} "
                    "bytes this run can need"
                )
            data = stream.read(count * dtype.itemsize)
    except CheckpointError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, NotImplementedError) as exc:
        raise CheckpointError(
            f"cannot read checkpoint {path}: entry `{name}` is damaged ({exc}); delete it"
        ) from None
    if len(data) != count * dtype.itemsize:
        raise CheckpointError(f"cannot read checkpoint {path}: entry `{name}` is truncated")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C").copy()


def _check_header(
    path: str, name: str, shape: tuple[int, ...], dtype: np.dtype, entry: Entry | None
) -> None:
    if entry is None:
        return
    kinds_ok = dtype.str == entry.kinds if len(entry.kinds) > 2 else dtype.kind in entry.kinds
    if not kinds_ok:
        raise CheckpointError(
            f"checkpoint {path}: entry `{name}` has dtype {dtype}, expected "
            f"{np.dtype(entry.kinds) if len(entry.kinds) > 2 else 'kind ' + entry.kinds}"
        )
    if entry.shape is not None and tuple(shape) != tuple(entry.shape):
        raise CheckpointError(
            f"checkpoint {path}: entry `{name}` has shape {tuple(shape)}, expected {entry.shape}"
        )
    if entry.shape is None and (len(shape) != 1 or shape[0] > entry.max_length):
        raise CheckpointError(
            f"checkpoint {path}: entry `{name}` has shape {tuple(shape)}, expected a list of at "
            f"most {entry.max_length} values"
        )


def _stable(value: Any) -> str:
    """A description of a hyperparameter that is the same in every process (no addresses).

    A callable (a learning-rate schedule, a lambda) is described by its
    qualified name and its values at ``LR_SAMPLE_STEPS``: the code object's
    bytes would change with the Python version and make every checkpoint
    unresumable after an upgrade, while the sampled values catch a changed
    schedule where it matters.
    """
    if value is None or isinstance(value, (bool, numbers.Number, str)):
        return repr(value)
    if callable(value):
        name = f"{getattr(value, '__module__', None) or '?'}." + getattr(
            value, "__qualname__", type(value).__qualname__
        )
        samples = []
        for step in LR_SAMPLE_STEPS:
            try:
                samples.append(repr(float(value(step))))
            except Exception as exc:  # a schedule that refuses some steps still has a trace
                samples.append(type(exc).__name__)
        return f"{name}[{', '.join(samples)}]"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _call(type(value).__qualname__, _fields(value))  # a transform of slopes.optim
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_stable(item) for item in value) + ")"
    return type(value).__qualname__


def _call(name: str, arguments: Sequence[tuple[str, str]]) -> str:
    return f"{name}({', '.join(f'{key}={text}' for key, text in arguments)})"


def _fields(value: Any) -> list[tuple[str, str]]:
    return [(f.name, _stable(getattr(value, f.name))) for f in dataclasses.fields(value)]


def _function(fn: Any, depth: int = 0) -> str:
    """A function by its qualified name and the values its closure captured.

    A hand-made ``update`` keeps its hyperparameters in its closure
    (``def make(lr): def update(...): ... lr ...``): they are its description.
    The function is never called (it expects a gradient and a state).
    """
    name = f"{getattr(fn, '__module__', None) or '?'}." + getattr(
        fn, "__qualname__", type(fn).__qualname__
    )
    code, cells = getattr(fn, "__code__", None), getattr(fn, "__closure__", None)
    if code is None or not cells or depth > 2:
        return name
    captured = []
    for var, cell in zip(code.co_freevars, cells):
        try:
            value = cell.cell_contents
        except ValueError:  # a cell not filled yet
            continue
        is_function = isinstance(value, types.FunctionType)
        captured.append((var, _function(value, depth + 1) if is_function else _stable(value)))
    return _call(name, captured)


def describe_optimizer(optimizer: Any) -> str:
    """A stable description of an optimiser for a checkpoint's fingerprint.

    The same in every process (no memory addresses), and different for other
    hyperparameters: an :class:`~slopes.optim.Optimizer` of slopes by its name
    and hyperparameters (a chain by its transforms), a hand-made pair by its
    functions' names and the values they captured, any other object with
    ``init`` and ``update`` by its type and attributes.

    Examples
    --------
    >>> import slopes
    >>> describe_optimizer(slopes.optim.sgd(lr=0.1))
    'sgd(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)'
    >>> describe_optimizer(slopes.optim.sgd(lr=lambda t: 0.1 / (1 + t)))[:40]
    'sgd(lr=slopes.training._checkpoint.<lamb'
    >>> from slopes.optim import chain, scale_by_learning_rate, trace
    >>> describe_optimizer(chain(trace(0.9), scale_by_learning_rate(0.1)))
    'chain(transforms=(trace(momentum=0.9, dampening=0.0, nesterov=False), \
scale_by_learning_rate(lr=0.1)))'
    """
    if isinstance(optimizer, Optimizer):
        if optimizer.name is not None:
            return _call(
                optimizer.name, [(k, _stable(v)) for k, v in optimizer.hyperparams.items()]
            )
        return _call(
            "Optimizer", [(part, _function(fn)) for part, fn in zip(("init", "update"), optimizer)]
        )
    kind = f"{type(optimizer).__module__}.{type(optimizer).__qualname__}"
    if dataclasses.is_dataclass(optimizer):
        return _call(kind, _fields(optimizer))
    if isinstance(optimizer, tuple) and hasattr(optimizer, "_fields"):  # a NamedTuple
        attributes = dict(zip(optimizer._fields, optimizer))
    else:
        attributes = vars(optimizer) if hasattr(optimizer, "__dict__") else {}
    described = [
        (key, _function(value) if key in ("init", "update") else _stable(value))
        for key, value in sorted(attributes.items())
    ]
    return _call(kind, described)


class TrainingState:
    """Everything that changes during training, and its round trip through a checkpoint."""

    def __init__(
        self, params: Any, opt_state: Any, seed: int, metric_names: Sequence[str], has_test: bool
    ) -> None:
        self.params, self.opt_state = params, opt_state
        self.rng = np.random.default_rng(seed)
        self.step = self.epoch = self.batch = 0
        self.perm: np.ndarray | None = None
        self.status, self.message = "running", ""
        self.history: dict[str, list[float]] = {"loss": [], "epoch": [], "step": []}
        for part in ("train", "test") if has_test else ("train",):
            for name in metric_names:
                self.history[f"{part}_{name}"] = []

    def save(self, path: str, fingerprint: dict[str, Any]) -> None:
        arrays = pack_tree("params", self.params)
        arrays.update(pack_tree("opt_state", self.opt_state))
        arrays.update({f"history/{k}": np.asarray(v, dtype=float) for k, v in self.history.items()})
        if self.perm is not None:
            arrays["perm"] = self.perm
        meta = {
            "fingerprint": fingerprint,
            "step": self.step,
            "epoch": self.epoch,
            "batch": self.batch,
            "status": self.status,
            "message": self.message,
            "rng": self.rng.bit_generator.state,
        }
        save(path, meta, arrays)

    def expected_entries(self, n_samples: int, max_steps: int, max_epochs: int) -> dict[str, Entry]:
        """Every array a checkpoint of this run may hold, with its bounds."""
        entries = tree_entries(self.params, "params")
        entries.update(tree_entries(self.opt_state, "opt_state"))
        entries["perm"] = Entry("iu", (n_samples,))
        for key in self.history:
            entries[f"history/{key}"] = Entry("f", None, max_steps if key == "loss" else max_epochs)
        return entries

    def restore(
        self, path: str, fingerprint: dict[str, Any], n_samples: int, n_batches: int, epochs: int
    ) -> None:
        """Load ``path`` into this state, refusing anything this run could not have written."""
        max_steps = epochs * n_batches
        meta, arrays = load(path, self.expected_entries(n_samples, max_steps, epochs))
        stored = _field(path, meta, "fingerprint", dict)
        for key, value in fingerprint.items():
            if stored.get(key) != value:
                raise CheckpointError(
                    f"checkpoint {path} belongs to another run: its {key} is {stored.get(key)!r}, "
                    f"this call's is {value!r}; pass another `checkpoint` or delete the file"
                )
        step, epoch, batch = (_field(path, meta, key, int) for key in ("step", "epoch", "batch"))
        if not 0 <= step <= max_steps:
            raise CheckpointError(
                f"checkpoint {path}: `step` is {step}, outside 0..{max_steps} (epochs={epochs} "
                f"of {n_batches} steps); pass epochs >= {-(-step // n_batches)} to continue it"
                if step > max_steps
                else f"checkpoint {path}: `step` is {step}, outside 0..{max_steps}"
            )
        if not (0 <= batch < n_batches and 0 <= epoch <= epochs):
            raise CheckpointError(
                f"checkpoint {path}: `epoch` {epoch} / `batch` {batch} are outside 0..{epochs} / "
                f"0..{n_batches - 1}"
            )
        if step != epoch * n_batches + batch:
            raise CheckpointError(
                f"checkpoint {path}: `step` {step} disagrees with `epoch` {epoch} and `batch` "
                f"{batch} ({n_batches} steps per epoch)"
            )
        status = _field(path, meta, "status", str)
        if status not in STATUSES:
            raise CheckpointError(
                f"checkpoint {path}: `status` is {status[:40]!r}, not one of {STATUSES}"
            )
        message = _field(path, meta, "message", str)
        perm = arrays.get("perm")
        if perm is not None and not np.array_equal(np.sort(perm), np.arange(n_samples)):
            raise CheckpointError(
                f"checkpoint {path}: `perm` is not a permutation of the {n_samples} samples"
            )
        if perm is None and batch != 0:
            raise CheckpointError(f"checkpoint {path}: `perm` is missing in the middle of an epoch")
        history = self._restored_history(path, arrays, step, epoch, n_batches)
        rng = np.random.default_rng()
        try:
            state = _field(path, meta, "rng", dict)
            if state.get("bit_generator") != type(rng.bit_generator).__name__:
                raise ValueError(f"a {state.get('bit_generator')!r} state")
            rng.bit_generator.state = state
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            raise CheckpointError(
                f"checkpoint {path}: `rng` is not a valid generator state ({exc})"
            ) from None
        try:
            params = unpack_tree(self.params, "params", arrays)
            opt_state = unpack_tree(self.opt_state, "opt_state", arrays)
        except CheckpointError as exc:
            raise CheckpointError(f"checkpoint {path}: {exc}") from None
        self.params, self.opt_state = params, opt_state
        self.rng = rng
        self.step, self.epoch, self.batch = step, epoch, batch
        self.status, self.message = status, message
        self.perm = None if perm is None else perm.astype(np.intp)
        self.history = history

    def _restored_history(
        self, path: str, arrays: dict[str, np.ndarray], step: int, epoch: int, n_batches: int
    ) -> dict[str, list[float]]:
        history = {}
        for key in self.history:
            name = f"history/{key}"
            if name not in arrays:
                raise CheckpointError(f"checkpoint {path} has no entry `{name}`")
            values = arrays[name]
            want = step if key == "loss" else epoch
            if len(values) != want:
                raise CheckpointError(
                    f"checkpoint {path}: `{name}` has {len(values)} values, expected {want}"
                )
            if key == "loss" and not np.all(np.isfinite(values)):
                raise CheckpointError(f"checkpoint {path}: `{name}` holds NaN or inf")
            history[key] = values.tolist()
        counts = np.arange(1, epoch + 1, dtype=float)
        if not np.array_equal(arrays["history/epoch"], counts) or not np.array_equal(
            arrays["history/step"], counts * n_batches
        ):
            raise CheckpointError(
                f"checkpoint {path}: `history/epoch` and `history/step` do not count the epochs"
            )
        return history


def _field(path: str, meta: dict[str, Any], key: str, kind: type) -> Any:
    """``meta[key]``, which must exist and be of type ``kind`` (bools are not ints)."""
    if key not in meta:
        raise CheckpointError(f"checkpoint {path} has no `{key}`; delete it to start afresh")
    value = meta[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CheckpointError(
            f"checkpoint {path}: `{key}` must be of type {kind.__name__}, "
            f"got {type(value).__name__}"
        )
    return value
