--[[ abortLarge: drops a pending upload: nothing becomes visible, its quota is released, its chunks go.
  KEYS[1] quota  KEYS[2] pending  KEYS[3] meta
  ARGV[1] id  ARGV[2] chunk count written
  Returns: 1 aborted | 0 nothing pending under that id ]]
if redis.call('HGET', KEYS[3], 'state') ~= 'pending' then return 0 end
local reserved = tonumber(redis.call('HGET', KEYS[3], 'reserved') or '0')
for n = 0, tonumber(ARGV[2]) - 1 do redis.call('UNLINK', KEYS[3] .. ':c:' .. n) end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'count', -1)
redis.call('HINCRBY', KEYS[1], 'bytes', 0 - reserved)
return 1
