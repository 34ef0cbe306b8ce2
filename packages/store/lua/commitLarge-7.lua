--[[ commitLarge: makes a fully written large message visible in the inbox, atomically: sets its
  final size, takes the pending TTL off its chunk keys, and trues up the quota to the real size.
  A duplicate imdn Message-ID discards this upload and returns the stored copy's id. A chunk key that
  is gone (it outlived its pending TTL) refuses the commit before anything becomes visible.
  KEYS[1] inbox  KEYS[2] expiry  KEYS[3] seq  KEYS[4] quota  KEYS[5] dedup  KEYS[6] meta  KEYS[7] pending
  ARGV[1] id  ARGV[2] size  ARGV[3] chunk count  ARGV[4] expires at (ms)
  ARGV[5] imdn Message-ID or ''  ARGV[6] max bytes  ARGV[7..] metadata field/value pairs
  Chunk keys are `<meta key>:c:<n>`: same hash tag, so the same Cluster slot. Once stored, neither they
  nor the metadata key expire on their own: deleteMessage removes them with the quota share.
  Returns: {1, id} | {0, existing id} duplicate | {-2} quota bytes | {-3} no such upload | {-4} not pending
    | {-6} a chunk is missing ]]
local state = redis.call('HGET', KEYS[6], 'state')
if not state then return {-3} end
if state ~= 'pending' then return {-4} end
local reserved = tonumber(redis.call('HGET', KEYS[6], 'reserved') or '0')
local size = tonumber(ARGV[2])
local chunks = tonumber(ARGV[3])
local dedupId = ARGV[5]
local existing = dedupId ~= '' and redis.call('HGET', KEYS[5], dedupId)
if existing then
  for n = 0, chunks - 1 do redis.call('UNLINK', KEYS[6] .. ':c:' .. n) end
  redis.call('DEL', KEYS[6])
  redis.call('ZREM', KEYS[7], ARGV[1])
  redis.call('HINCRBY', KEYS[4], 'count', -1)
  redis.call('HINCRBY', KEYS[4], 'bytes', 0 - reserved)
  return {0, existing}
end
local bytes = tonumber(redis.call('HGET', KEYS[4], 'bytes') or '0')
if bytes - reserved + size > tonumber(ARGV[6]) then return {-2} end
for n = 0, chunks - 1 do
  if redis.call('EXISTS', KEYS[6] .. ':c:' .. n) == 0 then return {-6} end
end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[6], 'state', 'stored', 'size', size, 'chunks', chunks, 'seq', seq, unpack(ARGV, 7))
redis.call('HDEL', KEYS[6], 'reserved')
for n = 0, chunks - 1 do redis.call('PERSIST', KEYS[6] .. ':c:' .. n) end
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'bytes', size - reserved)
if dedupId ~= '' then redis.call('HSET', KEYS[5], dedupId, ARGV[1]) end
return {1, ARGV[1]}
