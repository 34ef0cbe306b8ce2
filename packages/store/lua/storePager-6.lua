--[[ storePager: stores a pager message (metadata and body) and makes it visible, in one step.
  KEYS[1] inbox  KEYS[2] expiry  KEYS[3] seq  KEYS[4] quota  KEYS[5] dedup  KEYS[6] meta
  ARGV[1] id  ARGV[2] size  ARGV[3] max messages  ARGV[4] max bytes  ARGV[5] expires at (ms)
  ARGV[6] imdn Message-ID or ''  ARGV[7..] metadata field/value pairs (the body in field `body`)
  The metadata key has no TTL of its own: only deleteMessage (ack, removal, sweep) removes it, together
  with its quota share and imdn entry, so the quota and the dedup hash never point at nothing.
  Returns: {1, id} stored | {0, existing id} duplicate imdn Message-ID | {-1} quota messages | {-2} quota bytes ]]
--#include checkQuota
local dedupId = ARGV[6]
if dedupId ~= '' then
  local existing = redis.call('HGET', KEYS[5], dedupId)
  if existing then return {0, existing} end
end
local refused = checkQuota(KEYS[4], 1, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
if refused ~= 0 then return {refused} end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[6], 'seq', seq, 'state', 'stored', unpack(ARGV, 7))
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'count', 1)
redis.call('HINCRBY', KEYS[4], 'bytes', ARGV[2])
if dedupId ~= '' then redis.call('HSET', KEYS[5], dedupId, ARGV[1]) end
return {1, ARGV[1]}
