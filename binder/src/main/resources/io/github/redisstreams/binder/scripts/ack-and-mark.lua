-- Acknowledges processed entries and, in the same step, records the business keys they carried, so
-- that a later duplicate is recognised only if its original was really acknowledged.
-- The markers are written first: under maxmemory with noeviction, SET is refused while XACK is not, and
-- the script must then fail before acknowledging anything (the entries stay pending and are delivered
-- again), rather than acknowledge entries whose duplicates would then go unrecognised. A marker whose
-- entry ends unacknowledged only makes the redelivery of that entry a skipped duplicate.
-- KEYS[1] stream, KEYS[2..] marker keys (same hash slot as the stream)
-- ARGV[1] group, ARGV[2] marker time-to-live in ms, ARGV[3] number of ids n, ARGV[4..3+n] entry ids
-- Returns the number of entries acknowledged.
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], '1', 'PX', ARGV[2])
end
local n = tonumber(ARGV[3])
local acked = 0
if n > 0 then
  local ids = {}
  for i = 4, 3 + n do
    table.insert(ids, ARGV[i])
  end
  acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
end
return acked
