"""Checkpoints of a training run: saved atomically, restored exactly.

A checkpoint is one ``.npz`` file holding the parameters, the optimiser
state, the state of the random generator that shuffles the minibatches, the
step and epoch counters and the history. It is written to a temporary file
in the same folder, flushed to disk (``fsync``) and renamed over the old one
(``os.replace``, atomic on POSIX and Windows), so a process killed at any
moment leaves either the previous checkpoint or the new one, never half of one.

Pytrees (the parameters, an optimiser's NamedTuple state) are stored as their
leaves, ``params/0``, ``params/1``...; the structure comes back from a
*template* -- the caller's initial parameters, ``optimizer.init(params)`` --
so no Python objects are pickled and a checkpoint never executes code when
loaded (``allow_pickle=False``).

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

import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np

from slopes._pytree import flatten, unflatten

__all__ = ["TrainingState", "checkpoint_path", "load", "pack_tree", "save", "unpack_tree"]

FORMAT = "slopes-fit-checkpoint-1"
DEFAULT_NAME = "fit-checkpoint.npz"


class CheckpointError(ValueError):
    """A checkpoint file is unreadable or belongs to a different training run."""


def checkpoint_path(checkpoint: str | os.PathLike[str]) -> str:
    """The file for ``checkpoint``: itself if it ends in ``.npz``, else a file in that folder."""
    path = os.fspath(checkpoint)
    if path.endswith(".npz") and not os.path.isdir(path):
        folder = os.path.dirname(path) or "."
    else:
        folder, path = path, os.path.join(path, DEFAULT_NAME)
    os.makedirs(folder, exist_ok=True)
    return path


def pack_tree(prefix: str, tree: Any) -> dict[str, np.ndarray]:
    """The leaves of ``tree`` as arrays ``prefix/0``, ``prefix/1``...; None leaves are skipped."""
    leaves, _ = flatten(tree)
    return {f"{prefix}/{i}": np.asarray(leaf) for i, leaf in enumerate(leaves) if leaf is not None}


def unpack_tree(template: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """Rebuild a pytree shaped like ``template`` from the leaves :func:`pack_tree` stored.

    Python numbers in the template (an optimiser's step count) come back as
    Python numbers of the same type; None leaves stay None.
    """
    leaves, treedef = flatten(template)
    restored = []
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
        if isinstance(leaf, (bool, int, float)) and not isinstance(leaf, np.ndarray):
            restored.append(type(leaf)(value.item()))
        elif isinstance(leaf, np.generic):
            restored.append(value.astype(leaf.dtype)[()])
        else:
            restored.append(value.copy())
    return unflatten(treedef, restored)


def save(path: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write ``meta`` (JSON-able) and ``arrays`` to ``path`` atomically."""
    folder = os.path.dirname(os.path.abspath(path))
    payload = dict(arrays)
    payload["__meta__"] = np.array(json.dumps({"format": FORMAT, **meta}))
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp"
    )
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


def load(path: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a checkpoint: its metadata and its arrays."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        meta = json.loads(str(arrays.pop("__meta__")))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(
            f"cannot read checkpoint {path} ({exc}); delete it to start afresh"
        ) from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a slopes fit checkpoint ({meta.get('format')!r})")
    return meta, arrays


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

    def restore(self, path: str, fingerprint: dict[str, Any]) -> None:
        meta, arrays = load(path)
        stored = meta["fingerprint"]
        for key, value in fingerprint.items():
            if stored.get(key) != value:
                raise CheckpointError(
                    f"checkpoint {path} belongs to another run: its {key} is {stored.get(key)!r}, "
                    f"this call's is {value!r}; pass another `checkpoint` or delete the file"
                )
        self.params = unpack_tree(self.params, "params", arrays)
        self.opt_state = unpack_tree(self.opt_state, "opt_state", arrays)
        self.rng.bit_generator.state = meta["rng"]
        self.step, self.epoch, self.batch = meta["step"], meta["epoch"], meta["batch"]
        self.status, self.message = meta["status"], meta["message"]
        self.perm = arrays.get("perm")
        for key in self.history:
            self.history[key] = arrays[f"history/{key}"].tolist()
