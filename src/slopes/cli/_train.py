"""``slopes train``: minibatch SGD on the digits (or MNIST) from the command line."""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

from ._commands import Output, _check_positive, _quiet_backend, make_optimizer
from ._support import CLIError, check_output_file, number, table


def _load(args: argparse.Namespace) -> tuple[Any, Any, str]:
    from .. import datasets

    if args.data == "digits":
        train, test = datasets.load_digits(test_size=args.test_size, seed=args.seed)
        return _limited(train, args.limit), test, "digits"
    if not os.path.isdir(args.data):
        raise CLIError(
            f"`--data` must be 'digits' or a folder holding the MNIST files, got {args.data!r}"
        )
    try:
        train, test = datasets.load_mnist(args.data)
        source = "MNIST"
    except datasets.MNISTNotFoundError:
        # only the 10,000 test images at hand: split them, as the chapter's quick setup
        # does (8,000 to train and 2,000 to test with the default --test-size 0.2)
        X, y = datasets.load_mnist(args.data, kind="t10k")
        cut = round(len(X) * (1 - args.test_size))
        train, test = (X[:cut], y[:cut]), (X[cut:], y[cut:])
        source = "MNIST t10k (no training files: split)"
    return _limited(train, args.limit), test, source


def _limited(train: tuple[Any, Any], limit: int | None) -> tuple[Any, Any]:
    """The first ``limit`` training samples (all of them when limit is None)."""
    if limit is None:
        return train
    return train[0][:limit], train[1][:limit]


def _model(args: argparse.Namespace, n_features: int, n_classes: int) -> Any:
    from .. import models

    if args.model == "softmax":
        return models.SoftmaxRegression(n_features, n_classes, seed=args.seed)
    # 0.1, not the chapter's 0.01: with 0.01 the hidden layer starts so small that plain
    # SGD needs many more epochs to leave the plateau (test accuracy 0.20 after 3 epochs)
    return models.TwoLayerNet(
        n_features, args.hidden, n_classes, weight_init_std=args.init_std, seed=args.seed
    )


def train(args: argparse.Namespace) -> Output:
    import numpy as np

    import slopes

    _check_positive(args.lr, "--lr")
    if args.epochs < 1:
        raise CLIError(f"`--epochs` must be a whole number >= 1, got {args.epochs}")
    if args.batch_size < 1:
        raise CLIError(f"`--batch-size` must be a whole number >= 1, got {args.batch_size}")
    _check_positive(args.init_std, "--init-std")
    if args.hidden < 1:
        raise CLIError(f"`--hidden` must be a whole number >= 1, got {args.hidden}")
    if not 0 < args.test_size < 1:
        raise CLIError(f"`--test-size` must be in (0, 1), got {args.test_size}")
    if args.limit is not None and args.limit < 1:
        raise CLIError(f"`--limit` must be a whole number >= 1, got {args.limit}")
    if args.plot is not None:
        check_output_file(args.plot, "--plot", (".png", ".pdf", ".svg"))
    if args.checkpoint is not None and not os.path.isdir(args.checkpoint):
        check_output_file(args.checkpoint, "--checkpoint", (".npz",))
    (X_train, y_train), (X_test, y_test), source = _load(args)
    n_classes = int(max(np.max(y_train), np.max(y_test))) + 1
    model = _model(args, X_train.shape[1], n_classes)
    numerical = args.gradient == "numerical"
    res = slopes.fit(
        model.loss,
        model.params,
        X_train,
        y_train,
        optimizer=make_optimizer(args.optimizer, args.lr, args.momentum),
        batch_size=args.batch_size,
        epochs=args.epochs,
        grad=None if numerical else model.grad,
        seed=args.seed,
        eval_data=(X_test, y_test),
        progress=not args.no_progress,
        checkpoint=args.checkpoint,
        vectorized=numerical,  # the models evaluate stacks of parameter sets at once
    )
    history = res.history
    train_accuracy = model.accuracy(res.params, X_train, y_train)
    test_accuracy = model.accuracy(res.params, X_test, y_test)
    payload = {
        "command": "train",
        "model": args.model,
        "data": args.data,
        "source": source,
        "n_train": len(X_train),
        "n_test": len(X_test),
        "optimizer": args.optimizer,
        "lr": args.lr,
        "gradient": args.gradient,
        "status": res.status,
        "message": res.message,
        "nit": res.nit,
        "nfev": res.nfev,
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "history": dict(history),
    }
    losses = list(history.get("loss", []))
    last_loss = number(losses[-1]) if losses and math.isfinite(losses[-1]) else "-"
    rows = [
        ["model", args.model],
        ["data", f"{source}: {len(X_train)} train, {len(X_test)} test"],
        ["optimizer", f"{args.optimizer} (lr={number(args.lr)}), {args.gradient} gradients"],
        ["status", str(res.status)],
        ["message", str(res.message)],
        ["steps", f"{res.nit} ({res.nfev} loss evaluations)"],
        ["last loss", last_loss],
        ["train acc", f"{train_accuracy:.4f}"],
        ["test acc", f"{test_accuracy:.4f}"],
    ]
    if args.plot is not None:
        from .. import plot

        _quiet_backend()
        import matplotlib.pyplot as plt

        drawn = plot.training(res)
        figure = getattr(drawn, "figure", drawn)
        figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        plt.close(figure)
        rows.append(["wrote", args.plot])
        payload["figures"] = [args.plot]
    return payload, table(rows)
