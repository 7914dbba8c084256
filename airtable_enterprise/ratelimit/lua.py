"""The shared limiter's server-side scripts: one atomic Lua script per operation.

They keep :class:`~airtable_enterprise.ratelimit.local.PacingState`'s bookkeeping in the
store, for one rate-limit scope, in four keys sharing one Redis Cluster hash tag:

- ``KEYS[1]``, a hash: ``next_start``, ``resume_at``, ``restart_pace``, ``ceiling``,
  ``ceiling_set_at``, ``last_penalty_at``, ``epoch`` (the pacing and the cooldown);
- ``KEYS[2]``, a sorted set of booked starts (score: the booked time);
- ``KEYS[3]``, a sorted set of real starts (score: when the request was let go);
- ``KEYS[4]``, a sorted set of the live processes (member: a random id per store
  client, score: its latest call), which every call refreshes and prunes to the last
  ``ARGV[6]`` seconds: the ``N`` the limiters divide the limit by when the store fails.

Every time is the store's own (``TIME``), never a host's clock; members are random
booking ids. A dead process holds nothing: its entries are only times, which leave the
windows as time passes, and every key expires after ``ttl`` ms without use.

Common arguments: ``ARGV[1]`` limit, ``ARGV[2]`` target pace, ``ARGV[3]`` window (s),
``ARGV[4]`` ttl (ms), ``ARGV[5]`` this process's id, ``ARGV[6]`` the liveness window
(s); then the operation's own. Every script answers
``{status, value, store_now, resume_at, pace, epoch, live}``, numbers as strings (a Lua
number in a reply would be cut to an integer).
"""

from __future__ import annotations

from .local import (
    _CEILING_FRACTION,
    _CEILING_RECOVERY_PER_SECOND,
    _CLIMB_PER_SECOND,
    _RESTART_FRACTION,
)

__all__ = ["CONFIRM", "PENALIZE", "RELEASE", "RESERVE", "START"]

_PRELUDE = f"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit = tonumber(ARGV[1])
local target = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local live_window = tonumber(ARGV[6])
local capacity = math.max(1, math.floor(limit))
local guard_window = window * limit / target
local s = redis.call('HMGET', KEYS[1], 'next_start', 'resume_at', 'restart_pace', 'ceiling',
  'ceiling_set_at', 'last_penalty_at', 'epoch')
local next_start = tonumber(s[1]) or 0
local resume_at = tonumber(s[2]) or 0
local restart_pace = tonumber(s[3]) or target
local ceiling = tonumber(s[4]) or target
local ceiling_set_at = tonumber(s[5]) or 0
local last_penalty_at = tonumber(s[6]) or 0
local epoch = tonumber(s[7]) or 0

local function f(x) return string.format('%.6f', x) end

local function pace(at)
  local quiet = math.max(0, at - ceiling_set_at)
  local top = math.min(target, ceiling * (1 + quiet * {_CEILING_RECOVERY_PER_SECOND!r}))
  if at < resume_at then return restart_pace end
  return math.min(top, restart_pace + (at - resume_at) * target * {_CLIMB_PER_SECOND!r})
end

local function kth_latest(key, k)
  local r = redis.call('ZREVRANGE', key, k - 1, k - 1, 'WITHSCORES')
  return tonumber(r[2])
end

-- Seconds before one more request may really start at `at` (PacingState.guard_wait).
local function guard_wait(at)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', f(at - guard_window))
  if redis.call('ZCARD', KEYS[3]) < capacity then return 0 end
  return kth_latest(KEYS[3], capacity) + guard_window - at
end

local function reply(status, value)
  redis.call('ZADD', KEYS[4], f(now), ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. f(now - live_window))
  local live = redis.call('ZCARD', KEYS[4])
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
  return {{status, f(value), f(now), f(resume_at), f(pace(now)), tostring(epoch), tostring(live)}}
end
"""

#: Book the next start (PacingState.reserve); start at once when it is due and the
#: window of real starts has room. ``ARGV[7]``: the booking id.
#: Answers ``started`` (value: the store time) or ``booked`` (value: seconds to wait).
RESERVE = (
    _PRELUDE
    + """
local start = math.max(now, next_start, resume_at)
-- Only bookings in the past leave the set: the later ones are live (their callers wait
-- for them), and RELEASE rolls the pace back to the latest live one.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', f(now - window))
if redis.call('ZCOUNT', KEYS[2], '(' .. f(start - window), '+inf') >= capacity then
  start = math.max(start, kth_latest(KEYS[2], capacity) + window)
end
redis.call('ZADD', KEYS[2], f(start), ARGV[7])
redis.call('HSET', KEYS[1], 'next_start', f(start + 1 / pace(start)))
if start <= now and guard_wait(now) <= 0 then
  redis.call('ZADD', KEYS[3], f(now), ARGV[7])
  return reply('started', now)
end
return reply('booked', start - now)
"""
)

#: A booked start is due: start it, unless a 429 since booking voided it (``void``) or
#: the window of real starts is full (``wait``, value: seconds).
#: ``ARGV[7]``: the booking id; ``ARGV[8]``: the epoch it was booked in.
START = (
    _PRELUDE
    + """
if tonumber(ARGV[8]) ~= epoch then return reply('void', 0) end
local wait = guard_wait(now)
if wait > 0 then return reply('wait', wait) end
redis.call('ZADD', KEYS[3], f(now), ARGV[7])
return reply('started', now)
"""
)

#: A started request is written only now (RateLimiter.confirm_start): move its start to
#: now, or answer ``wait`` when that would overflow the window. ``ARGV[7]``: booking id.
CONFIRM = (
    _PRELUDE
    + """
redis.call('ZREM', KEYS[3], ARGV[7])
local wait = guard_wait(now)
if wait > 0 then return reply('wait', wait) end
redis.call('ZADD', KEYS[3], f(now), ARGV[7])
return reply('started', now)
"""
)

#: A caller cancelled before its request went out gives its booking back; the latest
#: booking also gives back its place in the pace (so, in any order, all of them do).
#: ``ARGV[7]``: the booking id.
RELEASE = (
    _PRELUDE
    + """
local booked = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[7]))
redis.call('ZREM', KEYS[2], ARGV[7])
redis.call('ZREM', KEYS[3], ARGV[7])
if booked and booked > now then
  local latest = kth_latest(KEYS[2], 1)
  if latest == nil or latest < booked then
    -- It was the latest booking: the pace goes on from the start before it.
    local before = math.max(latest or 0, kth_latest(KEYS[3], 1) or 0)
    local due = math.max(now, resume_at)
    if before > 0 then due = math.max(due, before + 1 / pace(before)) end
    if due < next_start then redis.call('HSET', KEYS[1], 'next_start', f(due)) end
  end
end
return reply('released', 0)
"""
)

#: A 429 (PacingState.penalize): everyone waits until ``resume_at``; the first 429 of a
#: burst lowers the shared restart pace and ceiling; bookings not yet due are void.
#: ``ARGV[7]``: the cooldown (s); ``ARGV[8]``: when the refused request started
#: (store time).
PENALIZE = (
    _PRELUDE
    + f"""
local resume = math.max(resume_at, now + tonumber(ARGV[7]))
local started_at = tonumber(ARGV[8])
if started_at > last_penalty_at then
  local tripped = pace(started_at)
  ceiling = math.max(tripped * {_CEILING_FRACTION!r}, target * 0.02)
  ceiling_set_at = resume
  restart_pace = math.max(tripped * {_RESTART_FRACTION!r}, target * 0.01)
  last_penalty_at = now
end
resume_at = resume
epoch = epoch + 1
redis.call('ZREMRANGEBYSCORE', KEYS[2], '(' .. f(now), '+inf')
redis.call('HSET', KEYS[1], 'next_start', f(resume), 'resume_at', f(resume),
  'restart_pace', f(restart_pace), 'ceiling', f(ceiling), 'ceiling_set_at', f(ceiling_set_at),
  'last_penalty_at', f(last_penalty_at), 'epoch', tostring(epoch))
return reply('penalized', resume - now)
"""
)
