--[[ putBinding: adds or refreshes one registrar binding (RFC 3261 §10.3), drops the AOR's expired
  bindings, and keeps the key alive until its last binding expires; in one step, so that two
  REGISTERs at once cannot both see "new" nor wipe each other's refresh.
  KEYS[1] location hash (field = instance or contact, value = JSON with `expiresAt` in ms)
  ARGV[1] field  ARGV[2] binding JSON  ARGV[3] its expiry (ms)  ARGV[4] now (ms)
  Returns: 1 new binding (none live under that field before) | 0 refresh ]]
local fresh = 1
local all = redis.call('HGETALL', KEYS[1])
local latest = tonumber(ARGV[3])
for i = 1, #all, 2 do
  local ok, binding = pcall(cjson.decode, all[i + 1])
  local expiresAt = ok and type(binding) == 'table' and tonumber(binding.expiresAt) or 0
  if expiresAt <= tonumber(ARGV[4]) then
    redis.call('HDEL', KEYS[1], all[i])
  else
    if all[i] == ARGV[1] then fresh = 0 end
    if expiresAt > latest then latest = expiresAt end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[1], latest)
return fresh
