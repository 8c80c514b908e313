"""The harness state in Redis: faults, the request log and the clock, shared by every instance.

A fault scripted through one instance's control API fires on whichever instance serves the
matching call: the rules and their counters live in Redis, and one Lua script counts a call
against every rule and picks the one that fires, atomically across instances.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import redis.asyncio as aioredis

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.faults import Fault
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest, RawRequest, filter_entries
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState

# ARGV: prefix, endpoint, client_id ('' for none), grant_type ('' for none), tampering (0/1).
# Counts the call against every matching rule of that kind; returns the first due, or 0.
_FIRING = """
local p = ARGV[1]
local endpoint, client_id, grant_type, tampering = ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'
local chosen = 0
for _, id in ipairs(redis.call('ZRANGE', p .. 'faults', 0, -1)) do
  local rule = cjson.decode(redis.call('HGET', p .. 'fault:' .. id, 'rule'))
  local matches = rule.endpoint == endpoint
    and (rule.client_id == nil or rule.client_id == client_id)
    and (rule.grant_type == nil or rule.grant_type == grant_type)
    and (rule.tampers == tampering)
  if matches then
    local seen = redis.call('HINCRBY', p .. 'fault:' .. id, 'seen', 1)
    local after = seen - rule.nth
    if after >= 0 and (rule.times == nil or after < rule.times) and chosen == 0 then
      chosen = tonumber(id)
    end
  end
end
if chosen ~= 0 then redis.call('HINCRBY', p .. 'fault:' .. chosen, 'fired', 1) end
return chosen
"""

# ARGV: prefix, entry JSON (without its id), max entries, max bytes. Appends "<id> <json>"
# with the next id; drops the oldest beyond either bound (sizes are the texts' lengths).
_RECORD = """
local p = ARGV[1]
local id = redis.call('INCR', p .. 'log:id')
local text = id .. ' ' .. ARGV[2]
redis.call('RPUSH', p .. 'log', text)
local bytes = redis.call('INCRBY', p .. 'log:bytes', #text)
local cap, max_bytes = tonumber(ARGV[3]), tonumber(ARGV[4])
while redis.call('LLEN', p .. 'log') > 1
  and (redis.call('LLEN', p .. 'log') > cap or bytes > max_bytes) do
  bytes = redis.call('DECRBY', p .. 'log:bytes', #redis.call('LPOP', p .. 'log'))
end
return id
"""


class RedisHarnessState(HarnessState):
    def __init__(
        self, client: aioredis.Redis, prefix: str, log_entries: int, log_bytes: int
    ) -> None:
        super().__init__(log_entries, log_bytes)
        self.client: Any = client  # replies are text (decode_responses)
        self.prefix = prefix + "harness:"
        self.log_entries = log_entries
        self.log_bytes = log_bytes
        self._firing = client.register_script(_FIRING)
        self._record = client.register_script(_RECORD)

    def _key(self, name: str) -> str:
        return self.prefix + name

    # Faults ---------------------------------------------------------------------------------
    def may_fire(self, endpoint: str, tampering: bool = False) -> bool:
        return True  # another instance may have scripted one: ask Redis

    async def firing(
        self, endpoint: str, client_id: str | None, grant_type: str | None, tampering: bool
    ) -> Fault | None:
        chosen = await self._firing(
            args=[self.prefix, endpoint, client_id or "", grant_type or "", int(tampering)]
        )
        if not chosen:
            return None
        return await self._fault(int(chosen))

    async def add_fault(self, data: Mapping[str, Any]) -> Fault:
        fault = Fault.from_mapping(data)  # refused here, before anything is stored
        fault.id = int(await self.client.incr(self._key("fault:id")))
        rule = {
            "endpoint": fault.endpoint,
            "client_id": fault.client_id,
            "grant_type": fault.grant_type,
            "nth": fault.nth,
            "times": fault.times,
            "tampers": fault.tampers_authorization_response,
        }
        key = self._key(f"fault:{fault.id}")
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "fields": json.dumps(dict(data)),
                    "rule": json.dumps({k: v for k, v in rule.items() if v is not None}),
                    "seen": 0,
                    "fired": 0,
                },
            )
            pipe.zadd(self._key("faults"), {str(fault.id): fault.id})
            await pipe.execute()
        return fault

    async def _fault(self, fault_id: int) -> Fault | None:
        stored: dict[str, str] = await self.client.hgetall(self._key(f"fault:{fault_id}"))
        if not stored:
            return None
        fault = Fault.from_mapping(json.loads(stored["fields"]))
        fault.id, fault.seen, fault.fired = fault_id, int(stored["seen"]), int(stored["fired"])
        return fault

    async def all_faults(self) -> list[Fault]:
        ids = await self.client.zrange(self._key("faults"), 0, -1)
        faults = [await self._fault(int(fault_id)) for fault_id in ids]
        return [fault for fault in faults if fault is not None]

    async def remove_fault(self, fault_id: int) -> bool:
        removed = await self.client.zrem(self._key("faults"), str(fault_id))
        await self.client.delete(self._key(f"fault:{fault_id}"))
        return bool(removed)

    async def clear_faults(self) -> None:
        ids = await self.client.zrange(self._key("faults"), 0, -1)
        keys = [self._key(f"fault:{fault_id}") for fault_id in ids]
        await self.client.delete(self._key("faults"), *keys)

    # Request log ----------------------------------------------------------------------------
    async def record(self, entry: LoggedRequest | RawRequest) -> None:
        if isinstance(entry, RawRequest):  # shared as JSON: redacted before it leaves
            entry = entry.logged()
        entry.id = int(
            await self._record(
                args=[self.prefix, json.dumps(asdict(entry)), self.log_entries, self.log_bytes]
            )
        )

    async def requests(self, **criteria: Any) -> list[LoggedRequest]:
        texts = await self.client.lrange(self._key("log"), 0, -1)
        entries = []
        for text in texts:
            number, _, document = text.partition(" ")
            entries.append(LoggedRequest(**{**json.loads(document), "id": int(number)}))
        return filter_entries(entries, **criteria)

    async def clear_requests(self) -> None:
        await self.client.delete(self._key("log"), self._key("log:bytes"))

    # The clock ------------------------------------------------------------------------------
    async def load_clock(self, clock: Clock) -> None:
        stored: dict[str, str] = await self.client.hgetall(self._key("clock"))
        if stored:
            frozen = stored.get("frozen_at", "")
            clock.restore(float(stored["offset"]), float(frozen) if frozen else None)

    async def save_clock(self, clock: Clock) -> None:
        offset, frozen_at = clock.snapshot()
        await self.client.hset(
            self._key("clock"),
            mapping={
                "offset": repr(offset),
                "frozen_at": "" if frozen_at is None else repr(frozen_at),
            },
        )

    async def reset(self) -> None:
        await self.clear_faults()
        await self.client.delete(
            self._key("fault:id"), self._key("log"), self._key("log:bytes"), self._key("log:id")
        )
