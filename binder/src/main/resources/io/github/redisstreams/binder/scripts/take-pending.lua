-- Takes one pending entry for a delivery to this consumer's handler, right before the handler gets it:
-- XCLAIM (without JUSTID) moves it to the consumer, adds one to its delivery counter and returns it. Pending
-- entries are taken one at a time, so that the counter counts deliveries to a handler: an entry fetched
-- together with one that kills the JVM is never charged for deliveries it did not get.
-- Fenced: the entry is taken only while it is still idle for min-idle ms (no live consumer renews its
-- lease, no other consumer took it since it was found) and, when an owner is expected, still owned by it.
-- KEYS[1] stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] min idle (ms), ARGV[4] entry id, ARGV[5] expected owner ('' = any)
-- Returns one of
--   { 'taken', previous owner, delivery count, field, value, ... }
--   { 'gone' }     not pending any more (acknowledged meanwhile)
--   { 'busy' }     not idle long enough, or another owner than the expected one
--   { 'deleted', previous owner, delivery count }   deleted from the stream while pending: acknowledged
--                  here so that the loss is reported exactly once
-- A deleted entry of another consumer that was active within min-idle is left alone: Redis cannot renew
-- the lease of a deleted entry, and that consumer may still be processing it from memory.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[4], ARGV[4], 1)
if #pending == 0 then
  return { 'gone' }
end
if pending[1][3] < tonumber(ARGV[3]) or (ARGV[5] ~= '' and pending[1][2] ~= ARGV[5]) then
  return { 'busy' }
end
local owner, count = pending[1][2], pending[1][4]
if #redis.call('XRANGE', KEYS[1], ARGV[4], ARGV[4]) == 0 then
  if owner ~= ARGV[2] then
    for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
      if consumer[2] == owner and consumer[6] < tonumber(ARGV[3]) then
        return { 'busy' }
      end
    end
  end
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[4])
  return { 'deleted', owner, count }
end
local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[4])
local reply = { 'taken', owner, count + 1 }
for _, value in ipairs(claimed[1][2]) do
  table.insert(reply, value)
end
return reply
