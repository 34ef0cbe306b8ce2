--[[ forgetRecipient: drops a recipient from the index of recipients with stored messages, unless a
  store touched it after `cutoff`. Stores index the recipient (ZADD, score = now) alongside their
  script; the index lives in another Cluster slot than the recipient's keys, so the two cannot be one
  script. The cutoff keeps a store that is in flight from being un-indexed.
  KEYS[1] recipients index
  ARGV[1] aor  ARGV[2] cutoff (ms)
  Returns: 1 forgotten | 0 kept (touched after the cutoff, or not indexed) ]]
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
