--[[ recordAttempt: counts one more delivery attempt of a stored message. A message acknowledged
  meanwhile is left alone: a bare HINCRBY would recreate its hash with no expiry, a leak.
  KEYS[1] meta
  ARGV: none
  Returns: the new attempt count | 0 the message is gone ]]
if redis.call('HGET', KEYS[1], 'state') ~= 'stored' then return 0 end
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)
