"""Adaptive micro-batching: the records of concurrent requests in one model call.

A model call costs mostly per call, not per record (scikit-learn's input checks alone are
about 0.2 ms for one row or for a hundred), so under load the service answers many requests
with one call. It never waits for a batch to fill: a request's records are queued and the
queue is scored at the event loop's next turn, after every request that arrived in the same
turn has queued its own. An idle server therefore answers at once (a batch of one). A busy
one (its last call scored more than one request) lets LOAD_TURNS more turns of the loop pass
first: one to read the sockets that became readable while the model ran, one to run those
requests up to the queue, so they join this call rather than start the next. Those turns do
work, not wait: no timer is involved, and the latency they add is other requests' parsing,
which the server would do anyway. Answers are the same as one call per request: every row is
scored on its own.

A batch whose call fails is retried one request at a time, so a request that breaks the
model gets the fallback alone, never its neighbours.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

Rows = Sequence[Sequence[Any]]
Answers = list[dict[str, Any]]
# Loop turns a busy server lets pass before scoring: measured on the benchmark (1 to 3 are
# alike, 0 answers about a fifth fewer requests per second at 16 connections).
LOAD_TURNS = 2


class MicroBatcher:
    """Queue requests' rows; score each loop turn's queue in calls of up to `max_records`."""

    def __init__(
        self,
        predict: Callable[[Rows], Answers],
        *,
        max_records: int,
        observe: Callable[[float, int, int], None] = lambda seconds, requests, records: None,
    ) -> None:
        self._predict = predict
        self.max_records = max_records
        # Called after each model call: its seconds, how many requests and records it scored.
        self._observe = observe
        self._queue: list[tuple[Rows, asyncio.Future[Answers]]] = []
        self._flush_scheduled = False
        self._last_requests = 0  # how many requests the last flush scored

    async def predict(self, rows: Rows) -> Answers:
        """This request's answers (the model's exception, if its call failed)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Answers] = loop.create_future()
        self._queue.append((rows, future))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._after, LOAD_TURNS if self._last_requests > 1 else 0)
        return await future

    def _after(self, turns: int) -> None:
        """Score the queue after `turns` more turns of the event loop."""
        if turns:
            asyncio.get_running_loop().call_soon(self._after, turns - 1)
        else:
            self._flush()

    def _flush(self) -> None:
        self._flush_scheduled = False
        queue, self._queue = self._queue, []
        self._last_requests = len(queue)
        batch: list[tuple[Rows, asyncio.Future[Answers]]] = []
        size = 0
        for request in queue:
            if batch and size + len(request[0]) > self.max_records:
                self._score(batch)
                batch, size = [], 0
            batch.append(request)
            size += len(request[0])
        if batch:
            self._score(batch)

    def _score(self, batch: list[tuple[Rows, asyncio.Future[Answers]]]) -> None:
        rows = batch[0][0] if len(batch) == 1 else [row for rows, _ in batch for row in rows]
        started = time.perf_counter()
        try:
            answers = self._predict(rows)
            if len(answers) != len(rows):
                raise ValueError(f"the model gave {len(answers)} answers for {len(rows)} records")
        except Exception as error:  # noqa: BLE001  # handed to the request(s) it concerns
            if len(batch) > 1:  # find the request(s) that broke the call
                for request in batch:
                    self._score([request])
                return
            if not batch[0][1].done():
                batch[0][1].set_exception(error)
            return
        self._observe(time.perf_counter() - started, len(batch), len(rows))
        start = 0
        for request_rows, future in batch:
            end = start + len(request_rows)
            if not future.done():  # a request cancelled meanwhile (its client left)
                future.set_result(answers[start:end])
            start = end
