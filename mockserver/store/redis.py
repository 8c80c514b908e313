"""A store in Redis (the `redis` package's asyncio client): several mock instances share it.

A transition reads what it needs, lets the engine's check and minting run here, then commits
with one Lua script that re-checks the state it depends on (the code still unused, the refresh
token still active) and fails with CredentialReused if another request, on any instance,
committed first. Redis runs each script alone, so of N concurrent redemptions spread over
several instances exactly one commits. Deadlines live in sorted sets scored by the mock's
clock, so expiry pops only what is due.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import redis.asyncio as aioredis

from frameio_oauth_mock.mockserver.store.base import CodeCheck, Issue, TokenCheck
from frameio_oauth_mock.mockserver.store.codec import (
    dump_grant,
    dump_pending,
    dump_session,
    load_grant,
    load_pending,
    load_session,
)
from frameio_oauth_mock.mockserver.store.records import (
    EXPIRED_REFRESH_RETENTION,
    CodeRecord,
    CredentialReused,
    Grant,
    PendingAuthorization,
    PkceConsumed,
    Session,
    StoreLimits,
    TokenRecord,
    TokenState,
)

PREFIX = "frameio-mock:"
_EXPIRY_BATCH = 200

# Shared by the scripts: add tokens (a JSON list of [value, kind, issued_at, expires_at]) to
# the family `fam` as its live tokens and push its deadline out.
_ADD_TOKENS = """
local function add_tokens(p, fam, tokens_json, retention)
  local tokens = cjson.decode(tokens_json)
  local live = {}
  local deadline = tonumber(redis.call('HGET', p .. 'fam:' .. fam, 'deadline'))
  for _, t in ipairs(tokens) do
    redis.call('HSET', p .. 'tok:' .. t[1], 'fam', fam, 'kind', t[2], 'iat', t[3],
      'exp', t[4], 'state', 'active')
    table.insert(live, t[1])
    local until_ = tonumber(t[4])
    if t[2] == 'refresh_token' then until_ = until_ + retention end
    if until_ > deadline then deadline = until_ end
  end
  redis.call('HSET', p .. 'fam:' .. fam, 'live', cjson.encode(live), 'deadline', deadline)
  redis.call('ZADD', p .. 'deadlines', deadline, fam)
end
"""

# KEYS: none (one Redis). ARGV: prefix, family id, tokens JSON, retention.
_COMMIT_REDEEM = (
    _ADD_TOKENS
    + """
local p, fam = ARGV[1], ARGV[2]
local key = p .. 'fam:' .. fam
if redis.call('EXISTS', key) == 0 or redis.call('HGET', key, 'redeemed') == '1' then
  return 0
end
redis.call('HSET', key, 'redeemed', '1')
add_tokens(p, fam, ARGV[3], tonumber(ARGV[4]))
return 1
"""
)

# ARGV: prefix, family id, presented refresh token, tokens JSON, retention, retired cap.
_COMMIT_ROTATE = (
    _ADD_TOKENS
    + """
local p, fam, presented = ARGV[1], ARGV[2], ARGV[3]
local key = p .. 'fam:' .. fam
if redis.call('HGET', p .. 'tok:' .. presented, 'state') ~= 'active'
   or redis.call('HGET', key, 'revoked') == '1' then
  return 0
end
local retired = p .. 'ret:' .. fam
for _, value in ipairs(cjson.decode(redis.call('HGET', key, 'live'))) do
  local kind = redis.call('HGET', p .. 'tok:' .. value, 'kind')
  local state = 'revoked'
  if kind == 'refresh_token' then state = 'rotated' end
  redis.call('HSET', p .. 'tok:' .. value, 'state', state)
  redis.call('RPUSH', retired, value)
end
local cap = tonumber(ARGV[6])
while redis.call('LLEN', retired) > cap do
  redis.call('DEL', p .. 'tok:' .. redis.call('LPOP', retired))
end
add_tokens(p, fam, ARGV[4], tonumber(ARGV[5]))
return 1
"""
)

# ARGV: prefix, now, batch. Drops due families (with their code and tokens), pending
# authorizations and sessions; a family whose deadline moved is re-scored instead.
_EXPIRE = """
local p, now, batch = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', p .. 'deadlines', '-inf', now, 'LIMIT', 0, batch)
for _, fam in ipairs(due) do
  local key = p .. 'fam:' .. fam
  local deadline = tonumber(redis.call('HGET', key, 'deadline'))
  if deadline and deadline > now then
    redis.call('ZADD', p .. 'deadlines', deadline, fam)
  else
    redis.call('ZREM', p .. 'deadlines', fam)
    local code = redis.call('HGET', key, 'code')
    if code and code ~= '' then redis.call('DEL', p .. 'code:' .. code) end
    local live = redis.call('HGET', key, 'live')
    if live then
      for _, value in ipairs(cjson.decode(live)) do redis.call('DEL', p .. 'tok:' .. value) end
    end
    for _, value in ipairs(redis.call('LRANGE', p .. 'ret:' .. fam, 0, -1)) do
      redis.call('DEL', p .. 'tok:' .. value)
    end
    redis.call('DEL', key, p .. 'ret:' .. fam)
  end
end
for _, kind in ipairs({'pending', 'session'}) do
  local expired = redis.call('ZRANGEBYSCORE', p .. kind .. ':expiry', '-inf', now,
    'LIMIT', 0, batch)
  for _, id in ipairs(expired) do
    redis.call('DEL', p .. kind .. ':' .. id)
    redis.call('ZREM', p .. kind .. ':expiry', id)
    redis.call('ZREM', p .. kind .. ':order', id)
  end
end
return 0
"""

# ARGV: prefix, kind (pending or session), id, record JSON, expires_at, cap. The oldest
# beyond the cap go first (an insertion counter orders them).
_ADD_CAPPED = """
local p, kind, id = ARGV[1], ARGV[2], ARGV[3]
redis.call('SET', p .. kind .. ':' .. id, ARGV[4])
redis.call('ZADD', p .. kind .. ':expiry', ARGV[5], id)
redis.call('ZADD', p .. kind .. ':order', redis.call('INCR', p .. kind .. ':counter'), id)
local cap = tonumber(ARGV[6])
while redis.call('ZCARD', p .. kind .. ':order') > cap do
  local oldest = redis.call('ZPOPMIN', p .. kind .. ':order')[1]
  redis.call('DEL', p .. kind .. ':' .. oldest)
  redis.call('ZREM', p .. kind .. ':expiry', oldest)
end
return 0
"""

# ARGV: prefix, id. Removes and returns a pending authorization (nil if gone).
_TAKE_PENDING = """
local p, id = ARGV[1], ARGV[2]
local record = redis.call('GET', p .. 'pending:' .. id)
if record then
  redis.call('DEL', p .. 'pending:' .. id)
  redis.call('ZREM', p .. 'pending:expiry', id)
  redis.call('ZREM', p .. 'pending:order', id)
end
return record
"""


class RedisStore:
    persistent = True

    def __init__(
        self, client: aioredis.Redis, limits: StoreLimits | None = None, prefix: str = PREFIX
    ) -> None:
        self.limits = limits or StoreLimits()
        # Typed loosely: with decode_responses every reply is text, which the stubs cannot say.
        self.client: Any = client
        self.prefix = prefix
        self._commit_redeem = client.register_script(_COMMIT_REDEEM)
        self._commit_rotate = client.register_script(_COMMIT_ROTATE)
        self._expire_script = client.register_script(_EXPIRE)
        self._add_capped = client.register_script(_ADD_CAPPED)
        self._take_pending = client.register_script(_TAKE_PENDING)

    @classmethod
    def from_url(cls, url: str, limits: StoreLimits | None = None) -> RedisStore:
        return cls(aioredis.Redis.from_url(url, decode_responses=True), limits)

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def _expire(self, now: float) -> None:
        await self._expire_script(args=[self.prefix, now, _EXPIRY_BATCH])

    # Records ----------------------------------------------------------------------------------
    async def _family(self, family: str) -> dict[str, str]:
        data: dict[str, str] = await self.client.hgetall(self._key("fam", family))
        return data

    async def _token(self, value: str) -> TokenRecord | None:
        token: dict[str, str] = await self.client.hgetall(self._key("tok", value))
        if not token:
            return None
        family = await self._family(token["fam"])
        if not family:
            return None
        state = TokenState(token["state"])
        if state is TokenState.ACTIVE and family.get("revoked") == "1":
            state = TokenState.REVOKED
        return TokenRecord(
            value,
            token["kind"],
            load_grant(family["grant"]),
            float(token["iat"]),
            float(token["exp"]),
            state,
        )

    async def _code(self, value: str) -> tuple[str, CodeRecord] | None:
        family_id = await self.client.get(self._key("code", value))
        if family_id is None:
            return None
        family = await self._family(family_id)
        if not family:
            return None
        record = CodeRecord(
            value,
            load_grant(family["grant"]),
            float(family["code_exp"]),
            family.get("redeemed") == "1",
            family.get("pkce") == "1",
        )
        return family_id, record

    @staticmethod
    def _tokens_json(tokens: Sequence[TokenRecord]) -> str:
        # Times as text, so Lua keeps every digit (its numbers print with 14).
        times = [[t.value, t.kind, repr(t.issued_at), repr(t.expires_at)] for t in tokens]
        return json.dumps(times)

    # Codes and tokens -------------------------------------------------------------------------
    async def add_code(self, code: CodeRecord, now: float) -> None:
        family = code.grant.id
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._key("fam", family),
                mapping={
                    "grant": dump_grant(code.grant),
                    "code": code.value,
                    "code_exp": code.expires_at,
                    "redeemed": "0",
                    "pkce": "0",
                    "revoked": "0",
                    "live": "[]",
                    "deadline": code.expires_at,
                },
            )
            pipe.set(self._key("code", code.value), family)
            pipe.zadd(self._key("deadlines"), {family: code.expires_at})
            await pipe.execute()
        await self._expire(now)

    async def redeem_code(
        self, value: str, now: float, check: CodeCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        found = await self._code(value)
        try:
            check(None if found is None else found[1])
        except PkceConsumed as refused:
            assert found is not None
            await self.client.hset(self._key("fam", found[0]), "pkce", "1")
            raise refused.error from None
        assert found is not None  # check refuses unknown codes
        family, record = found
        if record.redeemed:
            raise CredentialReused(family)
        tokens = issue(record.grant)
        committed = await self._commit_redeem(
            args=[self.prefix, family, self._tokens_json(tokens), EXPIRED_REFRESH_RETENTION]
        )
        if not committed:  # another request, maybe on another instance, came first
            raise CredentialReused(family)
        await self._expire(now)
        return tokens

    async def rotate_refresh(
        self, value: str, now: float, check: TokenCheck, issue: Issue
    ) -> Sequence[TokenRecord]:
        token = await self._token(value)
        check(token)
        assert token is not None  # check refuses unknown tokens
        family = token.grant.id
        if token.state is not TokenState.ACTIVE:
            raise CredentialReused(family)
        tokens = issue(token.grant)
        committed = await self._commit_rotate(
            args=[
                self.prefix,
                family,
                value,
                self._tokens_json(tokens),
                EXPIRED_REFRESH_RETENTION,
                self.limits.max_retired_tokens,
            ]
        )
        if not committed:
            raise CredentialReused(family)
        await self._expire(now)
        return tokens

    async def add_grant(self, grant: Grant, tokens: Sequence[TokenRecord], now: float) -> None:
        await self.client.hset(
            self._key("fam", grant.id),
            mapping={
                "grant": dump_grant(grant),
                "code": "",
                "code_exp": now,
                "redeemed": "0",
                "pkce": "0",
                "revoked": "0",
                "live": "[]",
                "deadline": now,
            },
        )
        committed = await self._commit_redeem(
            args=[self.prefix, grant.id, self._tokens_json(tokens), EXPIRED_REFRESH_RETENTION]
        )
        assert committed  # a new family: nothing else can have redeemed it
        await self._expire(now)

    async def find_token(self, value: str) -> TokenRecord | None:
        return await self._token(value)

    async def find_code(self, value: str) -> CodeRecord | None:
        found = await self._code(value)
        return None if found is None else found[1]

    async def revoke_family(self, grant_id: str, reused: str | None = None) -> None:
        key = self._key("fam", grant_id)
        if await self.client.exists(key):
            await self.client.hset(key, "revoked", "1")
        token = self._key("tok", reused) if reused else None
        if token is not None and await self.client.hget(token, "fam") == grant_id:
            await self.client.hset(token, "state", TokenState.REVOKED.value)

    # Pending authorizations and sessions ---------------------------------------------------------
    async def add_pending(self, pending: PendingAuthorization, now: float) -> None:
        await self._add_capped(
            args=[
                self.prefix,
                "pending",
                pending.id,
                dump_pending(pending),
                pending.expires_at,
                self.limits.max_pending_authorizations,
            ]
        )
        await self._expire(now)

    async def find_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        text = await self.client.get(self._key("pending", pending_id))
        if text is None:
            return None
        pending = load_pending(text)
        return pending if now < pending.expires_at else None

    async def log_in_pending(
        self, pending_id: str, subject: str, auth_time: float, session_id: str
    ) -> PendingAuthorization | None:
        key = self._key("pending", pending_id)
        text = await self.client.get(key)
        if text is None:
            return None
        pending = load_pending(text)
        updated = PendingAuthorization(
            pending.id,
            pending.csrf_token,
            pending.request,
            pending.expires_at,
            subject,
            auth_time,
            session_id,
        )
        # Only if it is still there: a consent answer may have taken it meanwhile.
        stored = await self.client.set(key, dump_pending(updated), xx=True)
        return updated if stored else None

    async def take_pending(self, pending_id: str, now: float) -> PendingAuthorization | None:
        text = await self._take_pending(args=[self.prefix, pending_id])
        if text is None:
            return None
        pending = load_pending(text)
        return pending if now < pending.expires_at else None

    async def add_session(self, session: Session, now: float) -> None:
        await self._add_capped(
            args=[
                self.prefix,
                "session",
                session.id,
                dump_session(session),
                session.expires_at,
                self.limits.max_sessions,
            ]
        )
        await self._expire(now)

    async def find_session(self, session_id: str, now: float) -> Session | None:
        text = await self.client.get(self._key("session", session_id))
        if text is None:
            return None
        session = load_session(text)
        return session if now < session.expires_at else None

    async def live_sessions(self, now: float) -> list[Session]:
        ids = await self.client.zrange(self._key("session", "order"), 0, -1)
        if not ids:
            return []
        texts = await self.client.mget([self._key("session", key) for key in ids])
        sessions = [load_session(text) for text in texts if text is not None]
        return [session for session in sessions if now < session.expires_at]

    async def end_session(self, session_id: str) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(self._key("session", session_id))
            pipe.zrem(self._key("session", "expiry"), session_id)
            pipe.zrem(self._key("session", "order"), session_id)
            await pipe.execute()

    # What a restart keeps ------------------------------------------------------------------------
    async def signing_key(self, make: Callable[[], str]) -> str:
        key = self._key("signing_key")
        stored = await self.client.get(key)
        if stored is None:
            await self.client.set(key, make(), nx=True)  # of two instances, one key wins
            stored = await self.client.get(key)
        return str(stored)

    async def entries_after(self, number: int) -> list[tuple[int, str, dict[str, Any]]]:
        items = await self.client.zrangebyscore(self._key("entries"), f"({number}", "+inf")
        entries = []
        for item in items:
            n, kind, entry = json.loads(item)
            entries.append((int(n), str(kind), dict(entry)))
        return entries

    async def add_entry(self, kind: str, entry: dict[str, Any]) -> None:
        number = await self.client.incr(self._key("entries", "counter"))
        await self.client.zadd(self._key("entries"), {json.dumps([number, kind, entry]): number})

    # Housekeeping -----------------------------------------------------------------------------
    async def purge(self, now: float) -> None:
        await self._expire(now)

    async def clear(self) -> None:
        """Everything under the prefix but the signing key and the counters (so numbers
        another instance has seen are never reused)."""
        keep = {
            self._key("signing_key"),
            self._key("entries", "counter"),
            self._key("pending", "counter"),
            self._key("session", "counter"),
        }
        batch: list[str] = []
        async for key in self.client.scan_iter(match=self.prefix + "*", count=1000):
            if key not in keep and not key.startswith(self._key("harness")):
                batch.append(key)
            if len(batch) >= 500:
                await self.client.delete(*batch)
                batch = []
        if batch:
            await self.client.delete(*batch)

    async def close(self) -> None:
        await self.client.aclose()
