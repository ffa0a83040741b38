"""The places work can be sent: a loky process pool, an Executor, a map, a Dask client.

Every backend runs a list of *chunks* (lists of tasks) through
:func:`slopes._workers_remote.run_chunk` and returns one outcome per chunk, in
order. Backends built on futures share :func:`run_futures`, which

- re-submits chunks whose worker died (a bounded number of times, on a fresh
  pool where the backend can make one), so a lost process never loses or
  corrupts a result;
- stops waiting for later chunks as soon as one chunk reports an error in
  ``func`` (a serial loop would not have run them either);
- reports each finished chunk, so the caller can move a progress bar;
- sends a large pickled f in full only with the first chunks, and again to a
  worker that asks for it (see :class:`slopes._workers_remote.Payload`).

Dask reschedules the tasks of a killed worker itself (``allowed-failures``);
what reaches us from Dask is a chunk it gave up on (``KilledWorker``), which is
retried like a dead loky worker.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from slopes._warnings import SlopesWarning
from slopes._workers_remote import Payload, run_chunk, run_item

__all__ = [
    "MAX_RETRIES",
    "Backend",
    "DaskBackend",
    "ExecutorBackend",
    "LokyBackend",
    "MapBackend",
    "WorkerError",
    "is_dask_client",
    "run_futures",
]

MAX_RETRIES = 2  # re-submissions of one chunk after its worker died
_POLL_S = 0.1  # how often a wait looks up from the futures to check for an abort
_LOKY_IDLE_TIMEOUT_S = 60  # keep an idle pool this long, so repeated gradients reuse it

# loky pools that have already run work: the first dispatch to a new pool
# pays for starting processes and importing numpy in each (~0.1-0.5 s).
_WARM_LOKY: dict[int, Any] = {}
# seconds of parallel saving given up so far by not starting a pool of k processes
_FOREGONE_S: dict[int, float] = {}


class WorkerError(RuntimeError):
    """Work could not be completed on the workers (a process died too often, a pool broke)."""


def is_dask_client(obj: Any) -> bool:
    """True for a ``dask.distributed.Client`` (checked without importing dask)."""
    return any(
        cls.__name__ == "Client" and cls.__module__.split(".")[0] == "distributed"
        for cls in type(obj).__mro__
    )


def _retryable(exc: BaseException) -> bool:
    """Does ``exc`` mean the worker (not f) failed, so the chunk may succeed elsewhere?"""
    if isinstance(exc, (cf.BrokenExecutor, cf.CancelledError)):
        return True  # loky TerminatedWorkerError / BrokenProcessPool; dask lost futures
    return type(exc).__name__ in {"KilledWorker", "CommClosedError"}


class Backend:
    """Common interface: ``n_workers``, expected overheads, and ``run``."""

    n_workers: int = 1
    startup_s: float = 0.005  # latency before a first chunk starts running remotely
    per_chunk_s: float = 0.001  # cost of one extra chunk (pickling, a round trip)

    def ran_locally(self, seconds: float) -> None:
        """Told when a call's work stayed in the caller (``seconds`` of it)."""

    def run(
        self,
        payload: Payload,
        chunks: Sequence[Sequence[Any]],
        on_done: Callable[[int], None],
        should_abort: Callable[[], bool],
    ) -> list[tuple[Any, ...]] | None:
        raise NotImplementedError


def run_futures(
    submitter: Callable[[], Callable[..., cf.Future]],
    renew: Callable[[], Callable[..., cf.Future]] | None,
    payload: Payload,
    chunks: Sequence[Sequence[Any]],
    on_done: Callable[[int], None],
    should_abort: Callable[[], bool],
    where: str,
    n_inline: int,
) -> list[tuple[Any, ...]] | None:
    """Run ``chunks`` through futures with retries; ``None`` if ``should_abort`` said so.

    ``submitter()`` gives the current ``submit``; ``renew()`` (if any) gives a
    ``submit`` on a fresh pool after the old one broke. The first ``n_inline``
    chunks carry a large payload in full, the others its key only.
    """
    outcomes: list[tuple[Any, ...] | None] = [None] * len(chunks)
    attempts = [0] * len(chunks)
    pending: dict[cf.Future, int] = {}
    first_error = len(chunks)  # index of the earliest chunk in which f raised
    submit = submitter()

    def launch(indices: list[int], inline: bool = False, retry: bool = True) -> None:
        nonlocal submit
        for index in indices:
            attempts[index] += retry
            if attempts[index] > MAX_RETRIES + 1:
                raise WorkerError(
                    f"a worker of {where} died {MAX_RETRIES + 1} times while running the same "
                    f"tasks (chunk {index}); giving up rather than return a partial result. "
                    "Does f crash or exhaust the memory of the worker process?"
                )
            args = (*payload.args(inline or index < n_inline), chunks[index])
            try:
                future = submit(run_chunk, *args)
            except (cf.BrokenExecutor, RuntimeError) as exc:
                if renew is None:
                    raise WorkerError(f"{where} cannot take work any more: {exc}") from exc
                submit = renew()
                future = submit(run_chunk, *args)
            pending[future] = index

    try:
        launch(list(range(len(chunks))))
        while pending:
            done, _ = cf.wait(list(pending), timeout=_POLL_S, return_when=cf.FIRST_COMPLETED)
            if should_abort():
                return None
            lost: list[int] = []
            missing: list[int] = []
            for future in done:
                index = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:
                    if index > first_error:
                        continue  # not needed: an earlier chunk already failed in f
                    if not _retryable(exc):
                        raise WorkerError(
                            f"running f on {where} failed: {type(exc).__name__}: {exc}"
                        ) from exc
                    lost.append(index)
                    continue
                status = _status(outcome)
                if status == "missing":
                    missing.append(index)  # the key came before the bytes: send them
                    continue
                outcomes[index] = outcome
                if status == "error":
                    first_error = min(first_error, index)
                elif index < first_error:
                    on_done(index)
            if first_error < len(chunks):
                for future, index in list(pending.items()):
                    if index > first_error:
                        future.cancel()
                        del pending[future]
                lost = [index for index in lost if index < first_error]
                missing = [index for index in missing if index < first_error]
            launch(missing, inline=True, retry=False)
            if lost:
                warnings.warn(
                    f"a worker of {where} died; re-running {len(lost)} lost chunk(s) of tasks "
                    f"(at most {MAX_RETRIES} retries each)",
                    SlopesWarning,
                    stacklevel=2,
                )
                if renew is not None:
                    submit = renew()
                launch(sorted(lost))
    finally:
        for future in pending:
            future.cancel()
    return [outcome for outcome in outcomes[: first_error + 1] if outcome is not None]


class LokyBackend(Backend):
    """``workers=k``: a reusable loky process pool (cloudpickle transport, survives crashes)."""

    warm_startup_s = 0.005

    def __init__(self, n_workers: int) -> None:
        self.n_workers = n_workers
        warm = _WARM_LOKY.get(n_workers)
        # Measured on 2 cores: 0.23 s to start 2 processes and import numpy, 0.7 s for 8.
        self.cold_s = 0.1 + 0.06 * n_workers
        self.warm = warm is not None and not _is_broken(warm)
        # Ski rental: once the savings given up by staying serial on a cold pool
        # add up to its start-up cost, start it (at most twice the best cost).
        paid_for = _FOREGONE_S.get(n_workers, 0.0) >= self.cold_s
        self.startup_s = self.warm_startup_s if self.warm or paid_for else self.cold_s

    def ran_locally(self, seconds: float) -> None:
        saving = seconds * (1.0 - 1.0 / self.n_workers)
        if not self.warm and saving > 2.0 * self.warm_startup_s:  # a warm pool would have won
            _FOREGONE_S[self.n_workers] = _FOREGONE_S.get(self.n_workers, 0.0) + saving

    def _executor(self) -> Any:
        from loky import get_reusable_executor

        executor = get_reusable_executor(max_workers=self.n_workers, timeout=_LOKY_IDLE_TIMEOUT_S)
        _WARM_LOKY.clear()  # one reusable pool: asking for another size resizes it
        _WARM_LOKY[self.n_workers] = executor
        _FOREGONE_S.clear()
        return executor

    def run(self, payload, chunks, on_done, should_abort):
        return run_futures(
            lambda: self._executor().submit,
            lambda: self._executor().submit,
            payload,
            chunks,
            on_done,
            should_abort,
            where=f"the local process pool (workers={self.n_workers})",
            n_inline=self.n_workers,
        )


def _is_broken(executor: Any) -> bool:
    flags = getattr(executor, "_flags", None)
    return bool(getattr(flags, "broken", None)) or bool(getattr(flags, "shutdown", False))


class ExecutorBackend(Backend):
    """``workers=executor``: any :class:`concurrent.futures.Executor`."""

    def __init__(self, executor: cf.Executor) -> None:
        self.executor = executor
        self.n_workers = int(getattr(executor, "_max_workers", None) or os.cpu_count() or 1)

    def run(self, payload, chunks, on_done, should_abort):
        return run_futures(
            lambda: self.executor.submit,
            None,
            payload,
            chunks,
            on_done,
            should_abort,
            where=f"the executor {type(self.executor).__name__}",
            n_inline=self.n_workers,
        )


class DaskBackend(Backend):
    """``workers=client``: a ``dask.distributed.Client``, local or remote."""

    # Measured against a LocalCluster: ~30 ms to a first result, ~4 ms per extra chunk.
    startup_s = 0.03
    per_chunk_s = 0.004

    def __init__(self, client: Any) -> None:
        if getattr(client, "asynchronous", False):
            raise TypeError("`workers` must be a synchronous dask Client, got an asynchronous one")
        self.client = client
        self._n_workers: int | None = None

    @property
    def n_workers(self) -> int:  # type: ignore[override]
        # asked only when needed: it is a round trip to the scheduler (~1 ms)
        if self._n_workers is None:
            self._n_workers = max(1, sum(self.client.nthreads().values()))
        return self._n_workers

    def run(self, payload, chunks, on_done, should_abort):
        # The Client's Executor view gives concurrent.futures futures, so the
        # same retry loop serves Dask; pure=False because a chunk is not a
        # pure function of its arguments' hash (f may be random or impure).
        executor = self.client.get_executor(pure=False)
        return run_futures(
            lambda: executor.submit,
            None,
            payload,
            chunks,
            on_done,
            should_abort,
            where=f"the Dask cluster at {getattr(self.client.scheduler, 'address', '?')}",
            n_inline=self.n_workers,
        )


class MapBackend(Backend):
    """``workers=mapper``: any map-like callable, ``mapper(fn, iterable)`` (``pool.map``)."""

    def __init__(self, mapper: Callable[..., Any]) -> None:
        self.mapper = mapper
        pool = getattr(mapper, "__self__", None)  # pool.map: size it from its pool
        size = getattr(pool, "_processes", None) or getattr(pool, "_max_workers", None)
        self.n_workers = int(size or os.cpu_count() or 1)

    def run(self, payload, chunks, on_done, should_abort):
        call = functools.partial(run_item, payload.key)  # picklable by plain pickle
        items = [(payload.args(i < self.n_workers)[0], chunk) for i, chunk in enumerate(chunks)]
        outcomes = self._map(call, items)
        missing = [i for i, outcome in enumerate(outcomes) if _status(outcome) == "missing"]
        if missing:  # processes that got only the key: send them the bytes
            again = self._map(call, [(payload.data, chunks[i]) for i in missing])
            for i, outcome in zip(missing, again):
                outcomes[i] = outcome
        for index, outcome in enumerate(outcomes):
            if _status(outcome) == "error":
                return outcomes[: index + 1]
            on_done(index)
        return outcomes

    def _map(self, call: Callable[..., Any], items: list[Any]) -> list[Any]:
        try:
            outcomes = list(self.mapper(call, items))
        except Exception as exc:
            raise WorkerError(
                f"the map-like `workers` {self.mapper!r} failed: {type(exc).__name__}: {exc}"
            ) from exc
        if len(outcomes) != len(items):
            raise WorkerError(
                f"the map-like `workers` returned {len(outcomes)} results for "
                f"{len(items)} inputs; refusing to build a partial result"
            )
        return outcomes


def _status(outcome: Any) -> Any:
    """The status word of a chunk's outcome (None for anything malformed)."""
    return outcome[0] if isinstance(outcome, tuple) and outcome else None
