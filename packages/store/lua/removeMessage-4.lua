--[[ removeMessage: removes a message whose delivery failed for good, and returns its metadata (for the
  `failed` notification, RFC 5438 §7.2.1), in one step: no other caller can see it half-removed.
  KEYS[1] inbox  KEYS[2] expiry  KEYS[3] quota  KEYS[4] dedup
  ARGV[1] id  ARGV[2] meta key prefix (…:msg:)  ARGV[3..] metadata fields to return
  Returns: { field values… } of the removed message | {} it was already gone ]]
--#include deleteMessage
local keys = { inbox = KEYS[1], expiry = KEYS[2], quota = KEYS[3], dedup = KEYS[4] }
local values = redis.call('HMGET', ARGV[2] .. ARGV[1], unpack(ARGV, 3))
if deleteMessage(keys, ARGV[2], ARGV[1]) then return values end
return {}
