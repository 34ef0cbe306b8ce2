-- Releases the quota and deletes the chunks of large messages whose upload was never committed nor
-- aborted (the uploading process died) and whose deadline passed. Writes never outrun the
-- reservation, so its chunks are those up to `reserved` bytes; their own TTL is only a last net.
-- Needs: quotaKey, pendingKey, metaPrefix (…:msg:), now (ms). Returns the number reclaimed.
local function reclaimPending(quotaKey, pendingKey, metaPrefix, now)
  local stale = redis.call('ZRANGEBYSCORE', pendingKey, '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(stale) do
    local metaKey = metaPrefix .. id
    local fields = redis.call('HMGET', metaKey, 'state', 'reserved', 'chunkBytes')
    local reserved = tonumber(fields[2] or '0')
    if fields[1] == 'pending' then
      local chunkBytes = tonumber(fields[3] or '0')
      if chunkBytes > 0 then
        for n = 0, math.ceil(reserved / chunkBytes) - 1 do redis.call('UNLINK', metaKey .. ':c:' .. n) end
      end
      redis.call('HINCRBY', quotaKey, 'count', -1)
      redis.call('HINCRBY', quotaKey, 'bytes', 0 - reserved)
      redis.call('DEL', metaKey)
    end
    redis.call('ZREM', pendingKey, id)
  end
  return #stale
end
