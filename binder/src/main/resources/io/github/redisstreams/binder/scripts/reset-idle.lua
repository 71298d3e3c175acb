-- Sets the idle time of entries a consumer still owns, with XCLAIM ... IDLE <ms> JUSTID (which does
-- not count as a delivery). Idle 0 renews the lease of entries still being worked on, so that they do
-- not look abandoned; idle = claim-idle-time hands entries back, so that another consumer claims them
-- at once. Entries another consumer has taken over meanwhile are left alone and reported.
-- KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] idle time to set (ms), ARGV[4..] entry ids
-- Returns the ids that are no longer owned by the consumer.
local owned = {}
local lost = {}
for i = 4, #ARGV do
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
  table.insert(args, 'IDLE')
  table.insert(args, ARGV[3])
  table.insert(args, 'JUSTID')
  redis.call('XCLAIM', unpack(args))
end
return lost
