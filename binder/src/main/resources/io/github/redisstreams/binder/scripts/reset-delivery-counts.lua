-- Gives the entries a consumer has just read, and that wait for their turn in the batch, a delivery counter
-- of 0 (XCLAIM ... RETRYCOUNT 0 JUSTID, which is no delivery): an entry counts as delivered only once a
-- handler gets it. One XPENDING over the batch's id range, so that the cost stays one lookup per entry: only
-- entries still owned by the consumer and still at the count of 1 that the read gave them are touched (a
-- reset that arrives late, after a reconnect, must neither undo a failure recorded meanwhile nor take an entry
-- back from a consumer that took it over).
-- An entry deleted from the stream between the read and this reset leaves the PEL here (XCLAIM drops it); the
-- consumer still has it in memory and processes it.
-- KEYS[1] stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] first id, ARGV[4] last id, ARGV[5] number of entries in the range
-- Returns the number of entries reset.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[2])
local args = { KEYS[1], ARGV[1], ARGV[2], 0 }
for _, entry in ipairs(pending) do
  if entry[4] == 1 then
    table.insert(args, entry[1])
  end
end
if #args == 4 then
  return 0
end
local reset = #args - 4
table.insert(args, 'RETRYCOUNT')
table.insert(args, 0)
table.insert(args, 'JUSTID')
redis.call('XCLAIM', unpack(args))
return reset
