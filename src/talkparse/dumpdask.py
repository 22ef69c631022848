"""The Dask engine of ``talkparse dump``: batches of pages parsed on a dask.distributed cluster.

Partitioned by page: the dump is read where the command runs, cut into the same batches as for
the local engine, and each batch (its pages' wikitext) is submitted to the cluster as one task,
:func:`talkparse.dumpjob.process_batch`. A worker sends back the batch's part files, which the
command writes with the same writer as the local engine; so the rows are the same, and a run
can be resumed with either engine. Only a few batches per worker thread are in flight at once,
so neither the command nor the cluster holds more than that, whatever the dump's size.

dask is an optional dependency (``pip install 'talkparse[dask]'``), imported only here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from .dumpjob import Batch, DumpOptions, bounded, process_batch
from .dumpstore import BatchResult
from .errors import TalkparseError


@dataclass(frozen=True, slots=True)
class DaskEngine:
    """Batches run as tasks on the Dask cluster whose scheduler is at ``scheduler``."""

    scheduler: str  # the scheduler's address: tcp://10.0.0.5:8786
    per_thread: int = 2  # batches in flight per worker thread: one running, one on its way
    timeout: float = 30.0  # seconds to reach the scheduler

    def __post_init__(self) -> None:
        """Say at once, before any output is made, when dask is missing.

        :raises TalkparseError: when dask.distributed is not installed.
        """
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise TalkparseError("--engine dask needs dask.distributed: "
                                 "pip install 'talkparse[dask]'") from None

    def map(self, batches: Iterable[Batch], options: DumpOptions) -> Iterator[BatchResult]:
        """Yield each batch's result as it finishes.

        :raises TalkparseError: when the scheduler cannot be reached, or a task fails (a
            worker without talkparse, a worker that died).
        """
        from distributed import Client, wait

        try:
            client = Client(self.scheduler, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise TalkparseError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
        run = uuid.uuid4().hex[:8]
        try:
            threads = sum(client.nthreads().values())
            limit = max(2, self.per_thread * threads)

            def submit(batch: Batch) -> Any:
                return client.submit(process_batch, batch, options, pure=False,
                                     key=f"talkparse-batch-{batch.index}-{run}")

            def wait_first(pending: set[Any]) -> set[Any]:
                return set(wait(list(pending), return_when="FIRST_COMPLETED").done)

            with client.as_current():  # distributed.wait looks for the current client
                for future in bounded(batches, submit, wait_first, limit):
                    yield _result(future)
                    future.release()
        finally:
            client.close()


def _result(future: Any) -> BatchResult:
    try:
        result: BatchResult = future.result()
    except Exception as exc:  # noqa: BLE001 - whatever failed remotely, say it in one line
        raise TalkparseError(f"a Dask task failed ({type(exc).__name__}: {exc}); is the same "
                             "talkparse installed on every worker?") from None
    return result
