-- Removes a consumer from a group only if it owns no pending entries, checked atomically with the
-- removal so that a consumer with work in its PEL is never deleted (its entries would be orphaned).
-- KEYS[1] stream; ARGV[1] group, ARGV[2] consumer
-- Returns 1 when removed, 0 when it still owns pending entries.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending > 0 then
  return 0
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
