/**
 * The Lua scripts that make each cluster step one atomic Redis call. Key
 * layout, under a prefix P (`sc:<PeerServer key>:` by default):
 *
 *   P claim:<peer id>      "<instance id> <token hash>", PX alive_timeout
 *   P alive:<instance id>  "1", PX instance TTL, refreshed every second
 *   P pending:<peer id>    list of messages (JSON) for a peer not yet connected, PX expire_timeout + margin
 *   P instance:<id>        pub/sub channel of one instance (not a key)
 *
 * A claim whose instance has no `alive:` key is dead: anyone may take it.
 * Standalone Redis (or a primary): the scripts touch keys they derive, which Redis Cluster forbids.
 */
import { createHash } from 'node:crypto';

/** A script and its SHA-1, for EVALSHA. */
export interface LuaScript {
  source: string;
  sha: string;
}

const script = (source: string): LuaScript => ({ source, sha: createHash('sha1').update(source).digest('hex') });

/** Shared prelude: `owner_of(value)` and `alive(owner)`; ARGV[1] is the `alive:` key prefix. */
const PRELUDE = `
local function owner_of(value) return string.match(value, '^(%S+) ') end
local function alive(owner) return owner ~= nil and redis.call('EXISTS', ARGV[1] .. owner) == 1 end
`;

/**
 * KEYS: claim, pending. ARGV: alive prefix, instance, token hash, claim TTL ms, '1' to take it from a live holder with the same token.
 * Returns {'taken', owner}, {'held', owner} (same token, not taken) or {'claimed', moved-from-instance or '', pending...}.
 * Another token on a live instance keeps the ID; the same token (a reclaim) or a dead holder gives it up.
 */
export const CLAIM = script(`${PRELUDE}
local current = redis.call('GET', KEYS[1])
local moved = ''
if current then
  local owner = owner_of(current)
  if alive(owner) then
    if current ~= owner .. ' ' .. ARGV[3] then return {'taken', owner} end
    if owner ~= ARGV[2] then
      if ARGV[5] ~= '1' then return {'held', owner} end
      moved = owner
    end
  end
end
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. ARGV[3], 'PX', ARGV[4])
local result = {'claimed', moved}
local pending = redis.call('LRANGE', KEYS[2], 0, -1)
if #pending > 0 then
  redis.call('DEL', KEYS[2])
  for _, message in ipairs(pending) do table.insert(result, message) end
end
return result
`);

/** KEYS: claim. ARGV: the value this instance wrote. Deletes only that value: 1, else 0. */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * KEYS: claims. ARGV: claim TTL ms, then one value per key.
 * Per key: 1 renewed (ours), 0 gone, -1 someone else's now.
 */
export const RENEW = script(`
local out = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current == ARGV[i + 1] then
    redis.call('PEXPIRE', key, ARGV[1])
    out[i] = 1
  elseif current then
    out[i] = -1
  else
    out[i] = 0
  end
end
return out
`);

/**
 * KEYS: claim, pending. ARGV: alive prefix, channel prefix, message, '1' to queue when nobody holds the ID, pending TTL ms.
 * Publishes on the holder's instance channel and returns its instance ID; else queues ('1' returned) or drops ('0').
 */
export const ROUTE = script(`${PRELUDE}
local current = redis.call('GET', KEYS[1])
if current then
  local owner = owner_of(current)
  if alive(owner) then
    redis.call('PUBLISH', ARGV[2] .. owner, ARGV[3])
    return owner
  end
end
if ARGV[4] == '1' then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  return 1
end
return 0
`);

/** KEYS: claim. ARGV: alive prefix. The claim's value if its instance is alive, else false. */
export const HOLDER = script(`${PRELUDE}
local current = redis.call('GET', KEYS[1])
if current and alive(owner_of(current)) then return current end
return false
`);
