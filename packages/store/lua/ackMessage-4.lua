--[[ ackMessage: the recipient's device accepted the message: delete its body, metadata, inbox entry
  and quota share in one step.
  KEYS[1] inbox  KEYS[2] expiry  KEYS[3] quota  KEYS[4] dedup
  ARGV[1] id  ARGV[2] meta key prefix (…:msg:)
  Returns: 1 deleted | 0 it was already gone ]]
--#include deleteMessage
local keys = { inbox = KEYS[1], expiry = KEYS[2], quota = KEYS[3], dedup = KEYS[4] }
if deleteMessage(keys, ARGV[2], ARGV[1]) then return 1 end
return 0
