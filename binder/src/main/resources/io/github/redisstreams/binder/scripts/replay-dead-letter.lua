-- Puts one dead letter back on its source stream and removes it from the dead-letter stream,
-- atomically, so that a replayed message is neither lost nor replayed twice. The entry is added
-- before the dead letter is deleted: should the add fail, nothing has been removed.
-- KEYS[1] dead-letter stream, KEYS[2] source stream (same hash slot)
-- ARGV[1] dead-letter entry id, ARGV[2..] field, value, ... of the entry to add
-- Returns the new entry id in the source stream, or false when the dead letter is already gone.
if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then
  return false
end
local args = { KEYS[2], '*' }
for i = 2, #ARGV do
  table.insert(args, ARGV[i])
end
local id = redis.call('XADD', unpack(args))
redis.call('XDEL', KEYS[1], ARGV[1])
return id
