--[[ sweepExpired: removes one recipient's messages whose expiry passed, frees their quota, and
  reclaims uploads that were never finished. Returns what it removed, for `failed` notifications.
  KEYS[1] inbox  KEYS[2] expiry  KEYS[3] quota  KEYS[4] dedup  KEYS[5] pending
  ARGV[1] now (ms)  ARGV[2] meta key prefix (…:msg:)  ARGV[3] at most this many  ARGV[4..] fields to return
  Returns: { left, { {field values…}, … } }: `left` = messages and uploads still held after the sweep ]]
--#include reclaimPending
--#include deleteMessage
local keys = { inbox = KEYS[1], expiry = KEYS[2], quota = KEYS[3], dedup = KEYS[4] }
reclaimPending(KEYS[3], KEYS[5], ARGV[2], ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local removed = {}
for _, id in ipairs(expired) do
  local values = redis.call('HMGET', ARGV[2] .. id, unpack(ARGV, 4))
  if deleteMessage(keys, ARGV[2], id) then table.insert(removed, values) end
end
local left = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[5])
return { left, removed }
