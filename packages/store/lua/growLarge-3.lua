--[[ growLarge: reserves more quota bytes for a pending upload that outgrew its reservation,
  and pushes its deadline back.
  KEYS[1] quota  KEYS[2] pending  KEYS[3] meta
  ARGV[1] id  ARGV[2] extra bytes  ARGV[3] max bytes  ARGV[4] new deadline (ms)
  Returns: the new reservation | -2 quota bytes | -3 no such upload | -4 not pending ]]
local state = redis.call('HGET', KEYS[3], 'state')
if not state then return -3 end
if state ~= 'pending' then return -4 end
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
local extra = tonumber(ARGV[2])
if bytes + extra > tonumber(ARGV[3]) then return -2 end
redis.call('HINCRBY', KEYS[1], 'bytes', extra)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return redis.call('HINCRBY', KEYS[3], 'reserved', extra)
