"""A checkpointed fit describes its optimiser by hyperparameters, the same in every process.

The fingerprint of a run holds ``describe_optimizer(optimizer)``; a repr with
memory addresses made every re-run in a new process "belong to another run".
These tests build the description in two fresh processes and compare, for the
optimisers a user makes: a chain of transforms (with a lambda schedule), a
hand-made ``Optimizer(init, update)`` whose rate lives in a closure, and an
object of the user's own class with ``init`` and ``update``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from slopes import optim
from slopes.optim import Optimizer, chain, scale_by_learning_rate, trace
from slopes.training._checkpoint import describe_optimizer

# the optimisers, as a module the subprocesses run; `make(lr)` builds each kind
OPTIMISERS = textwrap.dedent(
    """
    from slopes._util.pytree import tree_map
    from slopes.optim import Optimizer, chain, scale_by_learning_rate, trace


    def closure_pair(lr):
        def init(params):
            return 0

        def update(grads, count, params=None):
            return tree_map(lambda g: -lr * g, grads), count + 1

        return Optimizer(init, update)


    class HalvingSGD:
        '''Gradient descent whose rate halves every `every` steps.'''

        def __init__(self, lr, every):
            self.lr, self.every = lr, every

        def init(self, params):
            return 0

        def update(self, grads, count, params=None):
            rate = self.lr * 0.5 ** (count // self.every)
            return tree_map(lambda g: -rate * g, grads), count + 1


    def make(kind, lr):
        if kind == "chain":
            return chain(trace(0.5), scale_by_learning_rate(lambda t: lr / (1 + t)))
        if kind == "pair":
            return closure_pair(lr)
        return HalvingSGD(lr, every=3)
    """
)

KINDS = ["chain", "pair", "object"]


@pytest.fixture(scope="module")
def optimisers_module(tmp_path_factory):
    folder = tmp_path_factory.mktemp("user")
    (folder / "user_optimisers.py").write_text(OPTIMISERS, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        import user_optimisers

        yield folder, user_optimisers
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("user_optimisers", None)


def describe_in_a_new_process(folder, kind, lr):
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import user_optimisers as u; "
        "from slopes.training._checkpoint import describe_optimizer; "
        "print(describe_optimizer(u.make(sys.argv[2], float(sys.argv[3]))))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(folder), kind, str(lr)],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip()


@pytest.mark.parametrize("kind", KINDS)
def test_description_is_the_same_in_two_new_processes(optimisers_module, kind):
    folder, user = optimisers_module
    first = describe_in_a_new_process(folder, kind, 0.1)
    second = describe_in_a_new_process(folder, kind, 0.1)
    assert first == second
    assert "0x" not in first and " at " not in first  # no memory address
    assert first == describe_optimizer(user.make(kind, 0.1))  # and this process agrees


@pytest.mark.parametrize("kind", KINDS)
def test_description_names_the_hyperparameters(optimisers_module, kind):
    _, user = optimisers_module
    text = describe_optimizer(user.make(kind, 0.1))
    assert "0.1" in text  # the rate: sampled from the schedule, captured, or an attribute
    assert text != describe_optimizer(user.make(kind, 0.2))  # another rate, another run


def test_descriptions_of_each_kind():
    sched = chain(trace(0.5), scale_by_learning_rate(lambda t: 0.1 / (1 + t)))
    text = describe_optimizer(sched)
    prefix = "chain(transforms=(trace(momentum=0.5, dampening=0.0, nesterov=False), "
    assert text.startswith(prefix + "scale_by_learning_rate(lr=")
    assert ".test_descriptions_of_each_kind.<locals>.<lambda>[0.1, 0.05, " in text  # sampled
    assert describe_optimizer(optim.adam(lr=0.01)) == (
        "adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False)"
    )

    def make(lr):
        def update(grads, state, params=None):
            return -lr * grads, state

        return Optimizer(lambda params: None, update)

    pair = describe_optimizer(make(0.25))
    assert pair.startswith("Optimizer(init=") and "<lambda>, update=" in pair
    assert pair.endswith(".test_descriptions_of_each_kind.<locals>.make.<locals>.update(lr=0.25))")


def test_a_fit_with_a_custom_optimiser_resumes_in_a_new_process(optimisers_module, tmp_path):
    # a run stopped at step 5 in one process is resumed by the same call in another
    folder, _ = optimisers_module
    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent(
            """
            import json
            import sys
            import numpy as np
            import slopes
            sys.path.insert(0, sys.argv[1])
            import user_optimisers as u

            rng = np.random.default_rng(0)
            X = rng.standard_normal((40, 3))
            y = X @ np.array([1.0, -2.0, 0.5])

            def loss(params, X, y):
                return float(np.mean((X @ params["w"] - y) ** 2))

            def grad(params, X, y):
                return {"w": 2 * X.T @ (X @ params["w"] - y) / len(y)}

            stop = int(sys.argv[4])
            res = slopes.fit(
                loss, {"w": np.zeros(3)}, X, y, optimizer=u.make(sys.argv[3], 0.1),
                grad=grad, batch_size=10, epochs=3, checkpoint=sys.argv[2],
                checkpoint_every=1, progress=False,
                callbacks=[lambda info: info.step == stop],
            )
            resumed = "resumed" in res.message
            print(json.dumps([str(res.status), res.nit, resumed, res.params["w"].tolist()]))
            """
        ),
        encoding="utf-8",
    )
    for kind in KINDS:
        path = tmp_path / f"{kind}.npz"

        def train(stop, kind=kind, path=path):
            run = subprocess.run(
                [sys.executable, str(script), str(folder), str(path), kind, str(stop)],
                capture_output=True,
                text=True,
            )
            assert run.returncode == 0, run.stderr
            return json.loads(run.stdout)

        assert train(stop=5)[:3] == ["stopped", 5, False], kind
        resumed = train(stop=-1)
        assert resumed[:3] == ["completed", 12, True], kind
        path.unlink()
        uninterrupted = train(stop=-1)  # the same run from scratch, in one go
        assert uninterrupted[:3] == ["completed", 12, False], kind
        # the same operations in the same order: the resumed run is the uninterrupted one
        np.testing.assert_array_equal(resumed[3], uninterrupted[3])
