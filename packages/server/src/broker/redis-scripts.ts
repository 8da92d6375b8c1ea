/**
 * Lua scripts of the Redis engine. Each runs atomically on the Redis server, so offsets, epochs
 * and expiries stay consistent however many nodes call them at once. Time comes from Redis
 * (`TIME`), never from a node's clock.
 *
 * A stream is two keys: a hash `meta` {e: epoch, s: top offset} and a Redis stream whose entry ids
 * are the offsets (`<offset>-0`) with the publication JSON in field `d`. A missing meta hash means
 * the stream was forgotten: the next write starts a new epoch and drops any stale entries.
 */

const NOW_MS = `local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Creates the meta hash with the candidate epoch when it is missing; leaves `epoch` in scope.
 *
 * The meta hash also keeps the replication id of the Redis that wrote it (field `r`). Replication
 * is asynchronous: a replica promoted after its master died (Sentinel or Cluster failover) may
 * lack the last publications the master acknowledged, and would hand out their offsets again.
 * A promoted replica keeps its old master's id as `master_replid2`, so a meta hash written under
 * that id starts a new epoch there. The kept publications stay, and the meta remembers the old
 * epoch (`o`) and the top offset this Redis had of it (`p`): a subscriber at or below `p` lost
 * nothing and recovers, one past it may have seen publications that are gone and is told it
 * cannot recover (error 112 / recovered: false), never silently handed other publications under
 * the same offsets. A meta hash that came by slot migration (a writer id this Redis never
 * replicated) is adopted as it is: migration moves every entry.
 */
const ENSURE_EPOCH = `local replication = redis.call('info', 'replication')
local replid = string.match(replication, 'master_replid:(%w+)')
local epoch = redis.call('hget', KEYS[2], 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('hset', KEYS[2], 'e', epoch, 's', 0, 'r', replid)
  redis.call('del', KEYS[1])
else
  local writer = redis.call('hget', KEYS[2], 'r')
  if writer ~= replid then
    if writer == string.match(replication, 'master_replid2:(%w+)') then
      redis.call('hset', KEYS[2], 'o', epoch, 'p', redis.call('hget', KEYS[2], 's'))
      epoch = ARGV[1]
    end
    redis.call('hset', KEYS[2], 'e', epoch, 'r', replid)
  end
end`;

/**
 * Idempotent publishing (Centrifugo's `idempotency_key`): a hash {e: epoch, s: offset} per channel
 * and key holds the first publish's result for the window (ms, '0' = no key). The check and the
 * publish run in one script, so a publish Redis applies after its caller gave up (timeout) is
 * found by the retry, from any node. A channel without history keeps {e: '', s: 0}.
 */
function returnKeptResult(key: string, ttl: string): string {
  return `if ${ttl} ~= '0' then
  local kept = redis.call('hmget', ${key}, 'e', 's')
  if kept[1] then return {kept[2], kept[1]} end
end`;
}

function keepResult(key: string, ttl: string, epoch: string, offset: string): string {
  return `if ${ttl} ~= '0' then
  redis.call('hset', ${key}, 'e', ${epoch}, 's', ${offset})
  redis.call('pexpire', ${key}, ${ttl})
end`;
}

/**
 * KEYS: stream, meta, idempotent result. ARGV: candidate epoch, publication JSON (no offset),
 * history size, history ttl ms, meta ttl ms, pub/sub topic, publish command ('publish', or
 * 'spublish' on a cluster: the topic shares the keys' slot), result ttl ms ('0' = no key).
 * Returns {offset, epoch}, those of the first publish for a key already used. Publishing from
 * inside the script makes every node receive the publications of a channel in offset order.
 */
export const PUBLISH_SCRIPT = `${returnKeptResult('KEYS[3]', 'ARGV[8]')}
${ENSURE_EPOCH}
local offset = redis.call('hincrby', KEYS[2], 's', 1)
redis.call('xadd', KEYS[1], 'MAXLEN', ARGV[3], offset .. '-0', 'd', ARGV[2])
redis.call('pexpire', KEYS[1], ARGV[4])
redis.call('pexpire', KEYS[2], ARGV[5])
redis.call(ARGV[7], ARGV[6], '{"o":' .. offset .. ',"e":"' .. epoch .. '","p":' .. ARGV[2] .. '}')
${keepResult('KEYS[3]', 'ARGV[8]', 'epoch', 'offset')}
return {offset, epoch}`;

/**
 * A publish without history under an idempotency key. KEYS: idempotent result. ARGV: pub/sub
 * message, topic, publish command, result ttl ms. Returns {0, ''}, or the kept result of a key
 * already used (with history, under skip_history).
 */
export const PUBLISH_UNKEPT_ONCE_SCRIPT = `${returnKeptResult('KEYS[1]', 'ARGV[4]')}
redis.call(ARGV[3], ARGV[2], ARGV[1])
${keepResult('KEYS[1]', 'ARGV[4]', "''", '0')}
return {0, ''}`;

/**
 * KEYS: stream, meta. ARGV: candidate epoch, meta ttl ms, since offset (-1 = none), limit
 * (-1 = all, 0 = position only), reverse ('1'). Returns {top, epoch, entries, epoch before the
 * last failover or false, its last offset here or false}.
 */
export const HISTORY_SCRIPT = `${ENSURE_EPOCH}
if redis.call('pttl', KEYS[2]) < 0 then redis.call('pexpire', KEYS[2], ARGV[2]) end
local top = tonumber(redis.call('hget', KEYS[2], 's'))
local before = redis.call('hmget', KEYS[2], 'o', 'p')
local since = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
if limit == 0 then return {top, epoch, {}, before[1], before[2]} end
local count = {}
if limit > 0 then count = {'COUNT', limit} end
local entries
if ARGV[5] == '1' then
  if since == 0 then return {top, epoch, {}, before[1], before[2]} end
  local last = '+'
  if since > 0 then last = (since - 1) .. '-0' end
  entries = redis.call('xrevrange', KEYS[1], last, '-', unpack(count))
else
  local first = '-'
  if since >= 0 then first = (since + 1) .. '-0' end
  entries = redis.call('xrange', KEYS[1], first, '+', unpack(count))
end
return {top, epoch, entries, before[1], before[2]}`;

/** KEYS: entries hash, expiry zset. ARGV: ttl ms, then field/value pairs. */
export const EXPIRING_SET_SCRIPT = `${NOW_MS}
local expireAt = now + tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('zadd', KEYS[2], expireAt, ARGV[i])
end
redis.call('pexpire', KEYS[1], ARGV[1])
redis.call('pexpire', KEYS[2], ARGV[1])`;

/** KEYS: entries hash, expiry zset. Drops expired entries, returns the rest as HGETALL does. */
export const EXPIRING_GET_SCRIPT = `${NOW_MS}
local expired = redis.call('zrangebyscore', KEYS[2], '-inf', now)
for _, field in ipairs(expired) do redis.call('hdel', KEYS[1], field) end
if #expired > 0 then redis.call('zremrangebyscore', KEYS[2], '-inf', now) end
return redis.call('hgetall', KEYS[1])`;
