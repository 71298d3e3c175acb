-- Acknowledges processed entries and, in the same atomic step, records the business keys they
-- carried, so that a later duplicate is recognised only if its original was really acknowledged.
-- KEYS[1] stream, KEYS[2..] marker keys (same hash slot as the stream)
-- ARGV[1] group, ARGV[2] marker time-to-live in ms, ARGV[3] number of ids n, ARGV[4..3+n] entry ids
-- Returns the number of entries acknowledged.
local n = tonumber(ARGV[3])
local acked = 0
if n > 0 then
  local ids = {}
  for i = 4, 3 + n do
    table.insert(ids, ARGV[i])
  end
  acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], '1', 'PX', ARGV[2])
end
return acked
