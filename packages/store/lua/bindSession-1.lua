--[[ bindSession: binds a reserved MSRP session to one connection (RFC 4975 §7.3.1 / §8.4).
  KEYS[1] session
  ARGV[1] connection id  ARGV[2] TTL once bound (s)
  Returns: 1 bound (or already bound to this connection) | -3 no such session | -5 bound to another ]]
local bound = redis.call('HGET', KEYS[1], 'boundTo')
if redis.call('EXISTS', KEYS[1]) == 0 then return -3 end
if bound and bound ~= ARGV[1] then return -5 end
redis.call('HSET', KEYS[1], 'boundTo', ARGV[1], 'state', 'bound')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
