"""Pytrees: flatten, unflatten, tree_map and ravel."""

from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from slopes._util.pytree import flatten, ravel, tree_map, unflatten

Pair = namedtuple("Pair", "left right")


def test_round_trip_keeps_structure_and_types():
    tree = {"W": np.arange(6.0).reshape(2, 3), "layers": [1.0, (2, 3)], "p": Pair(4, 5)}
    leaves, treedef = flatten(tree)
    assert treedef.num_leaves == 6
    rebuilt = unflatten(treedef, leaves)
    assert isinstance(rebuilt["p"], Pair)
    assert isinstance(rebuilt["layers"][1], tuple)
    assert rebuilt["layers"][0] == 1.0
    np.testing.assert_array_equal(rebuilt["W"], tree["W"])


def test_unflatten_rejects_wrong_leaf_count():
    _, treedef = flatten([1, 2])
    with pytest.raises(ValueError, match="`leaves` has 3 entries"):
        unflatten(treedef, [1, 2, 3])


def test_tree_map_matches_dicts_by_key():
    out = tree_map(lambda a, b: a - b, {"a": 5, "b": 7}, {"b": 1, "a": 2})
    assert out == {"a": 3, "b": 6}


def test_tree_map_rejects_mismatched_structures():
    with pytest.raises(ValueError, match="structures differ"):
        tree_map(lambda a, b: a, {"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match="structures differ"):
        tree_map(lambda a, b: a, [1, 2], [1])
    with pytest.raises(ValueError, match="structures differ"):
        tree_map(lambda a, b: a, 1, [1])


def test_ravel_promotes_integers_and_copies():
    x = np.array([1, 2, 3])
    flat, unravel = ravel(x)
    assert flat.dtype == np.float64
    flat[0] = 99.0
    assert x[0] == 1
    back = unravel(flat)
    assert back.shape == (3,)
    assert back[0] == 99.0


def test_ravel_keeps_float32():
    flat, _ = ravel({"a": np.ones(2, np.float32), "b": np.zeros(3, np.float32)})
    assert flat.dtype == np.float32


def test_ravel_mixed_int_and_float32_goes_to_float64():
    flat, _ = ravel([np.ones(2, np.float32), np.arange(2)])
    assert flat.dtype == np.float64


def test_unravel_with_trailing_axes_for_stacked_results():
    _, unravel = ravel({"w": np.zeros((2, 2)), "b": np.zeros(3)})
    stacked = np.arange(7 * 4.0).reshape(7, 4)
    tree = unravel(stacked)
    assert tree["w"].shape == (2, 2, 4)
    assert tree["b"].shape == (3, 4)
    np.testing.assert_array_equal(tree["b"][0], stacked[4])


def test_unravel_rejects_wrong_length():
    _, unravel = ravel(np.zeros(3))
    with pytest.raises(ValueError, match="length 3"):
        unravel(np.zeros(4))


def test_ravel_rejects_non_numeric_leaves():
    with pytest.raises(TypeError, match="numeric"):
        ravel({"a": "text"})


@given(
    st.lists(
        hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)),
        min_size=1,
        max_size=4,
    )
)
def test_ravel_unravel_round_trip(arrays):
    tree = {f"leaf{i}": a for i, a in enumerate(arrays)}
    before = {k: v.copy() for k, v in tree.items()}
    flat, unravel = ravel(tree)
    assert flat.size == sum(a.size for a in arrays)
    back = unravel(flat)
    for key, value in tree.items():
        np.testing.assert_array_equal(back[key], value)
        np.testing.assert_array_equal(value, before[key])  # input untouched
