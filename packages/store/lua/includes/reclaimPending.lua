-- Releases the quota of large messages whose upload was never committed nor aborted (the uploading
-- process died) and whose deadline passed. Their chunk keys expire by themselves (each has a TTL).
-- Needs: quotaKey, pendingKey, metaPrefix (…:msg:), now (ms). Returns the number reclaimed.
local function reclaimPending(quotaKey, pendingKey, metaPrefix, now)
  local stale = redis.call('ZRANGEBYSCORE', pendingKey, '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(stale) do
    local metaKey = metaPrefix .. id
    local reserved = tonumber(redis.call('HGET', metaKey, 'reserved') or '0')
    if redis.call('HGET', metaKey, 'state') == 'pending' then
      redis.call('HINCRBY', quotaKey, 'count', -1)
      redis.call('HINCRBY', quotaKey, 'bytes', 0 - reserved)
      redis.call('DEL', metaKey)
    end
    redis.call('ZREM', pendingKey, id)
  end
  return #stale
end
