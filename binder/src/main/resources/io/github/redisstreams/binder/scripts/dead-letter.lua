-- Moves one pending entry to the dead-letter stream and acknowledges it, atomically.
-- KEYS[1] source stream, KEYS[2] dead-letter stream (same hash slot)
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] consumer expected to own the entry,
-- ARGV[4] MAXLEN of the dead-letter stream (0 = none), ARGV[5..] field, value, field, value...
-- Returns the dead-letter entry id, or false when the entry is no longer pending for that consumer
-- (acknowledged meanwhile, or claimed by another consumer that now decides its fate).
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #pending == 0 or pending[1][2] ~= ARGV[3] then
  return false
end
local args = { KEYS[2] }
if tonumber(ARGV[4]) > 0 then
  table.insert(args, 'MAXLEN')
  table.insert(args, '~')
  table.insert(args, ARGV[4])
end
table.insert(args, '*')
for i = 5, #ARGV do
  table.insert(args, ARGV[i])
end
local id = redis.call('XADD', unpack(args))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return id
