--[[ openLarge: reserves quota for a large message upload and records it as pending (invisible).
  First reclaims this recipient's uploads whose deadline passed (their uploader died).
  KEYS[1] quota  KEYS[2] pending  KEYS[3] meta
  ARGV[1] id  ARGV[2] reserved bytes  ARGV[3] max messages  ARGV[4] max bytes  ARGV[5] now (ms)
  ARGV[6] pending deadline (ms)  ARGV[7] meta key prefix (…:msg:)  ARGV[8..] metadata field/value pairs
  Returns: {1, id} reserved | {-1} quota messages | {-2} quota bytes ]]
--#include reclaimPending
--#include checkQuota
reclaimPending(KEYS[1], KEYS[2], ARGV[7], ARGV[5])
local refused = checkQuota(KEYS[1], 1, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
if refused ~= 0 then return {refused} end
redis.call('HSET', KEYS[3], 'state', 'pending', 'reserved', ARGV[2], unpack(ARGV, 8))
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[2])
return {1, ARGV[1]}
