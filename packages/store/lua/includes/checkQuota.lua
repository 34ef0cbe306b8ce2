-- Returns 0 when one more message of `addBytes` fits the recipient's quota, else -1 (messages) or -2 (bytes).
local function checkQuota(quotaKey, addCount, addBytes, maxMessages, maxBytes)
  local count = tonumber(redis.call('HGET', quotaKey, 'count') or '0')
  local bytes = tonumber(redis.call('HGET', quotaKey, 'bytes') or '0')
  if count + addCount > maxMessages then return -1 end
  if bytes + addBytes > maxBytes then return -2 end
  return 0
end
