-- Adds a batch of orders to the analytics, all in one call: one round trip to Redis per batch, however
-- many orders it holds. Each order is counted once per orderId: the first time it is counted, a marker
-- is set (SET NX, with a TTL) in the same script, so a batch delivered again (the application died
-- after this script but before the batch was acknowledged) counts none of its orders twice.
-- KEYS[1] summary hash, KEYS[2] orders per SKU hash, KEYS[3] list of the recent batch sizes,
-- then for each order i = 1..n: KEYS[2 + 2i] its counted marker, KEYS[3 + 2i] its minute's hash (orders
-- per SKU in the minute the order was placed); all in one hash slot
-- ARGV[1] marker TTL (seconds), ARGV[2] minute hash TTL (seconds), ARGV[3] entries in the batch,
-- ARGV[4] how many recent batch sizes to keep, then for each order i: ARGV[4 + i] its SKU
-- Returns {orders counted now, orders counted before}.
local counted, duplicates = 0, 0
local orders = (#KEYS - 3) / 2
for i = 1, orders do
  local marker, minute, sku = KEYS[2 + 2 * i], KEYS[3 + 2 * i], ARGV[4 + i]
  if redis.call('SET', marker, '1', 'NX', 'EX', ARGV[1]) then
    counted = counted + 1
    redis.call('HINCRBY', KEYS[2], sku, 1)
    redis.call('HINCRBY', minute, sku, 1)
    redis.call('EXPIRE', minute, ARGV[2])
  else
    duplicates = duplicates + 1
  end
end
redis.call('HINCRBY', KEYS[1], 'orders', counted)
redis.call('HINCRBY', KEYS[1], 'duplicates', duplicates)
-- the batch figures count handler calls: a batch delivered again counts again here
local size = tonumber(ARGV[3])
redis.call('HINCRBY', KEYS[1], 'batches', 1)
redis.call('HINCRBY', KEYS[1], 'batch-entries', size)
if size > tonumber(redis.call('HGET', KEYS[1], 'largest-batch') or '0') then
  redis.call('HSET', KEYS[1], 'largest-batch', size)
end
redis.call('LPUSH', KEYS[3], size)
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
return { counted, duplicates }
