-- Deletes a stored message (metadata, chunks, index entries) and frees its quota.
-- Returns false when no stored message has that id (its index entries are removed all the same);
-- an upload still pending is not a stored message: abortLarge and reclaimPending release those.
local function deleteMessage(keys, metaPrefix, id)
  local metaKey = metaPrefix .. id
  local fields = redis.call('HMGET', metaKey, 'size', 'chunks', 'imdnId', 'state')
  redis.call('ZREM', keys.inbox, id)
  redis.call('ZREM', keys.expiry, id)
  if fields[4] ~= 'stored' then return false end
  local chunks = tonumber(fields[2] or '0')
  for n = 0, chunks - 1 do
    redis.call('UNLINK', metaKey .. ':c:' .. n)
  end
  redis.call('DEL', metaKey)
  redis.call('HINCRBY', keys.quota, 'count', -1)
  redis.call('HINCRBY', keys.quota, 'bytes', 0 - tonumber(fields[1] or '0'))
  if fields[3] and fields[3] ~= '' then redis.call('HDEL', keys.dedup, fields[3]) end
  return true
end
