"""Pytrees: nested dicts, lists and tuples of arrays, flattened and rebuilt.

A *pytree* is a number or array (a *leaf*), or a dict, list or tuple
(namedtuples included) whose values are pytrees. A network's parameters
``{"W1": W1, "b1": b1, "W2": W2, "b2": b2}`` are a pytree; so is a plain
array. Differentiation works on one flat vector, so every pytree input is
*raveled* into a vector and every result *unraveled* back into the caller's
structure.

This module is the lowest layer of slopes: it imports nothing but numpy.

Examples
--------
>>> import numpy as np
>>> flat, unravel = ravel({"w": np.ones((2, 2)), "b": 3})
>>> flat
array([1., 1., 1., 1., 3.])
>>> tree = unravel(flat * 2)
>>> tree["w"], tree["b"]
(array([[2., 2.],
       [2., 2.]]), array(6.))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from typing import TypeAlias

    from numpy.typing import NDArray

    #: What slopes takes as one array, never a pytree: a number, an array, a list
    #: of numbers or a list of such lists (the public signatures' ``x: ArrayInput``).
    ArrayInput: TypeAlias = (
        float | np.generic | NDArray[Any] | Sequence[float] | Sequence[Sequence[float]]
    )
    #: A pytree that is a container: a dict, list or tuple of leaves or pytrees.
    Container: TypeAlias = dict[Any, Any] | list[Any] | tuple[Any, ...]

#: A container pytree in a signature ``(x: Tree) -> Tree``: the result comes back in
#: the caller's structure (a gradient of a dict of arrays is a dict of arrays).
Tree = TypeVar("Tree", bound="dict[Any, Any] | list[Any] | tuple[Any, ...]")

__all__ = [
    "TreeDef",
    "flatten",
    "is_leaf",
    "ravel",
    "tree_map",
    "unflatten",
]


def is_leaf(node: Any) -> bool:
    """True for anything that is not a dict, list or tuple."""
    return not isinstance(node, (dict, list, tuple))


@dataclass(frozen=True)
class TreeDef:
    """The structure of a pytree without its leaves.

    ``kind`` is ``"leaf"``, ``"dict"``, ``"list"`` or ``"tuple"``; ``keys``
    holds the dict keys in order; ``node_type`` the exact container type (so
    that namedtuples come back as namedtuples); ``children`` the sub-structures.
    """

    kind: str
    node_type: type | None = None
    keys: tuple[Any, ...] = ()
    children: tuple[TreeDef, ...] = ()

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(child.num_leaves for child in self.children)

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "dict":
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.keys, self.children))
            return "{" + inner + "}"
        inner = ", ".join(repr(c) for c in self.children)
        return f"[{inner}]" if self.kind == "list" else f"({inner})"


_LEAF = TreeDef("leaf")


def flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """Split a pytree into its leaves (depth first) and its structure.

    Examples
    --------
    >>> leaves, treedef = flatten({"a": 1, "b": [2, 3]})
    >>> leaves, treedef
    ([1, 2, 3], {'a': *, 'b': [*, *]})
    """
    leaves: list[Any] = []
    treedef = _flatten_into(tree, leaves)
    return leaves, treedef


def _flatten_into(node: Any, leaves: list[Any]) -> TreeDef:
    if isinstance(node, dict):
        keys = tuple(node)
        children = tuple(_flatten_into(node[k], leaves) for k in keys)
        return TreeDef("dict", type(node), keys, children)
    if isinstance(node, (list, tuple)):
        children = tuple(_flatten_into(child, leaves) for child in node)
        return TreeDef("list" if isinstance(node, list) else "tuple", type(node), (), children)
    leaves.append(node)
    return _LEAF


def unflatten(treedef: TreeDef, leaves: Sequence[Any]) -> Any:
    """Rebuild a pytree of structure ``treedef`` from ``leaves``.

    Examples
    --------
    >>> _, treedef = flatten({"a": 0, "b": [0, 0]})
    >>> unflatten(treedef, [1, 2, 3])
    {'a': 1, 'b': [2, 3]}
    """
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"`leaves` has {len(leaves)} entries but the structure {treedef!r} "
            f"needs {treedef.num_leaves}"
        )
    iterator = iter(leaves)
    return _unflatten_from(treedef, iterator)


def _unflatten_from(treedef: TreeDef, iterator: Any) -> Any:
    if treedef.kind == "leaf":
        return next(iterator)
    children = [_unflatten_from(child, iterator) for child in treedef.children]
    if treedef.kind == "dict":
        assert treedef.node_type is not None
        if treedef.node_type is dict:
            return dict(zip(treedef.keys, children))
        return treedef.node_type(zip(treedef.keys, children))
    if treedef.kind == "list":
        assert treedef.node_type is not None
        return children if treedef.node_type is list else treedef.node_type(children)
    node_type = treedef.node_type
    if node_type is not None and node_type is not tuple and hasattr(node_type, "_fields"):
        return node_type(*children)  # namedtuple
    return tuple(children) if node_type in (None, tuple) else node_type(children)


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf by leaf to one or more pytrees of the same structure.

    Dicts are matched by key, so two dicts with the same keys in a different
    insertion order map together; the result keeps the order of ``tree``.

    Examples
    --------
    >>> tree_map(lambda a, b: a + b, {"x": 1, "y": 2}, {"y": 20, "x": 10})
    {'x': 11, 'y': 22}
    """
    if isinstance(tree, dict):
        for other in rest:
            if not isinstance(other, dict) or set(other) != set(tree):
                raise ValueError(
                    f"pytree structures differ: dict with keys {sorted(map(str, tree))} "
                    f"against {_node_kind(other)}"
                )
        mapped = {k: tree_map(fn, tree[k], *(other[k] for other in rest)) for k in tree}
        return mapped if type(tree) is dict else type(tree)(mapped)
    if isinstance(tree, (list, tuple)):
        for other in rest:
            if not isinstance(other, (list, tuple)) or len(other) != len(tree):
                raise ValueError(
                    f"pytree structures differ: {type(tree).__name__} of length "
                    f"{len(tree)} against {_node_kind(other)}"
                )
        children = [tree_map(fn, *items) for items in zip(tree, *rest)]
        if isinstance(tree, list):
            return children if type(tree) is list else type(tree)(children)
        if hasattr(tree, "_fields"):
            return type(tree)(*children)
        return tuple(children) if type(tree) is tuple else type(tree)(children)
    for other in rest:
        if not is_leaf(other):
            raise ValueError(f"pytree structures differ: a leaf against {_node_kind(other)}")
    return fn(tree, *rest)


def _node_kind(node: Any) -> str:
    """What a node of a pytree is, for an error message: ``"dict with keys ['a']"``."""
    if isinstance(node, dict):
        return f"dict with keys {sorted(map(str, node))}"
    if isinstance(node, (list, tuple)):
        return f"{type(node).__name__} of length {len(node)}"
    return f"a leaf of type {type(node).__name__}"


def ravel(tree: Any, dtype: Any = None) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """Concatenate a pytree's leaves into one new 1-D float array.

    Integer and boolean leaves are promoted to float64; float32 leaves stay
    float32 when every leaf is float32. The flat array is always a fresh
    copy: writing to it never touches the caller's arrays.

    Returns
    -------
    flat : ndarray, shape (total size,)
    unravel : callable
        Maps a flat vector of the same length (or an array whose *leading*
        axis has that length, for stacked results) back to the structure of
        ``tree``, each leaf a fresh array of its original shape.

    Examples
    --------
    >>> flat, unravel = ravel([np.arange(3), 4.5])
    >>> flat
    array([0. , 1. , 2. , 4.5])
    >>> unravel(np.array([9.0, 8.0, 7.0, 6.0]))
    [array([9., 8., 7.]), array(6.)]
    """
    leaves, treedef = flatten(tree)
    arrays = [np.asarray(leaf) for leaf in leaves]
    for array in arrays:
        if array.dtype == object or not (
            np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
        ):
            raise TypeError(f"pytree leaves must be numbers or numeric arrays, got {array.dtype}")
    if dtype is None:
        dtype = np.result_type(np.float32 if arrays else np.float64, *arrays)
        if not (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.complexfloating)):
            dtype = np.float64
        if np.issubdtype(dtype, np.floating) and any(
            not np.issubdtype(a.dtype, np.floating) for a in arrays
        ):
            dtype = np.float64
    shapes = [array.shape for array in arrays]
    sizes = [array.size for array in arrays]
    if arrays:
        flat = np.concatenate([array.ravel() for array in arrays]).astype(dtype, copy=True)
    else:
        flat = np.zeros(0, dtype=dtype)
    offsets = np.cumsum([0, *sizes])
    total = int(offsets[-1])

    def unravel(vector: np.ndarray) -> Any:
        vector = np.asarray(vector)
        if vector.ndim == 0 or vector.shape[0] != total:
            raise ValueError(f"expected a vector of length {total}, got shape {vector.shape}")
        trailing = vector.shape[1:]
        pieces = [
            vector[start:stop].reshape(shape + trailing).copy()
            for start, stop, shape in zip(offsets[:-1], offsets[1:], shapes)
        ]
        return unflatten(treedef, pieces)

    return flat, unravel
