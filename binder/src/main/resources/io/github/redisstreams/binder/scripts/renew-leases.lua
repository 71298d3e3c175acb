-- Keeps the entries a consumer is still working on from looking abandoned: resets their idle time
-- (XCLAIM ... JUSTID, which does not count a delivery), but only for entries it still owns, so that
-- an entry another consumer has already taken over is never taken back.
-- KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3..] entry ids
-- Returns the ids that are no longer owned by the consumer.
local owned = {}
local lost = {}
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #pending == 1 and pending[1][2] == ARGV[2] then
    table.insert(owned, ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
if #owned > 0 then
  local args = { KEYS[1], ARGV[1], ARGV[2], 0 }
  for _, id in ipairs(owned) do
    table.insert(args, id)
  end
  table.insert(args, 'JUSTID')
  redis.call('XCLAIM', unpack(args))
end
return lost
