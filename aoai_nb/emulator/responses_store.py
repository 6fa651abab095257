"""Stored responses: kept in memory, the most recently used ``capacity`` of them (least recently used dropped).

A stored response keeps its live Response object (updated while it is generated), the input items of its
request (for ``input_items``), the conversation the next turn sees (for ``previous_response_id``) and, for
background responses, every stream event (for ``retrieve(stream=True, starting_after=N)``). A response created
with ``store: false`` is never put here. Looking up an id that was deleted or dropped says so in the 404.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import anyio

from aoai_nb.emulator.wire import AzureError, invalid_request

TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete"})
DEFAULT_CAPACITY = 1000


@dataclass
class StoredResponse:
    response: dict[str, Any]  # the Response object as sent (mutated while generating)
    input_items: list[dict[str, Any]]  # this request's input items, with ids
    history: list[dict[str, Any]]  # the earlier turns' items (previous_response_id's conversation)
    background: bool = False
    stream: bool = False  # created with stream=True (only then can a stream be resumed)
    events: list[dict[str, Any]] = field(default_factory=list)  # background: every event, in order
    task: asyncio.Task[None] | None = None
    scope: anyio.CancelScope | None = None
    _changed: anyio.Event = field(default_factory=anyio.Event)
    finished: anyio.Event = field(default_factory=anyio.Event)

    @property
    def id(self) -> str:
        return str(self.response["id"])

    @property
    def status(self) -> str:
        return str(self.response.get("status"))

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def conversation(self) -> list[dict[str, Any]]:
        """What a follow-up with ``previous_response_id`` = this id continues: every earlier item, this
        request's input and this response's output (instructions are not carried over)."""
        return [*self.history, *self.input_items, *self.response.get("output", [])]

    def publish(self, event: dict[str, Any]) -> None:
        """Record a background response's event and wake every follower."""
        self.events.append(event)
        self.notify()

    def notify(self) -> None:
        changed, self._changed = self._changed, anyio.Event()
        changed.set()

    async def changed(self) -> None:
        await self._changed.wait()


def not_found(response_id: str, why: str = "") -> AzureError:
    return invalid_request(
        f"Response with id '{response_id}' not found.{why}", param=None, code=None, status=404
    )


class ResponseStore:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, StoredResponse] = OrderedDict()
        self._gone: OrderedDict[str, str] = OrderedDict()  # recently deleted or dropped ids -> why

    def __len__(self) -> int:
        return len(self._items)

    def put(self, stored: StoredResponse) -> None:
        self._items[stored.id] = stored
        self._items.move_to_end(stored.id)
        while len(self._items) > self.capacity:
            old_id, old = self._items.popitem(last=False)
            if old.scope is not None and not old.done:
                old.scope.cancel()
            self._forget(
                old_id,
                f" The emulator keeps the {self.capacity} most recently used responses (limits."
                "stored_responses) and dropped this one.",
            )

    def get(self, response_id: str) -> StoredResponse:
        stored = self._items.get(response_id)
        if stored is None:
            raise not_found(response_id, self._gone.get(response_id, ""))
        self._items.move_to_end(response_id)
        return stored

    def find(self, response_id: str) -> StoredResponse | None:
        try:
            return self.get(response_id)
        except AzureError:
            return None

    def delete(self, response_id: str) -> StoredResponse:
        stored = self.get(response_id)
        del self._items[response_id]
        if stored.scope is not None and not stored.done:
            stored.scope.cancel()
        self._forget(response_id, " It was deleted.")
        return stored

    def _forget(self, response_id: str, why: str) -> None:
        self._gone[response_id] = why
        while len(self._gone) > self.capacity:
            self._gone.popitem(last=False)

    def cancel_all(self) -> None:
        """Shutdown: stop every background response still running."""
        for stored in self._items.values():
            if stored.scope is not None and not stored.done:
                stored.scope.cancel()
