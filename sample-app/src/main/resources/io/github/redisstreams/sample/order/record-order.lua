-- Records a processed order and adds it to the totals, all or nothing, once per orderId.
-- Keying the whole effect by orderId (SET NX) makes it safe to run twice: a delivery that is
-- processed but not yet acknowledged when the application crashes is delivered again, and must
-- not be counted again.
-- KEYS[1] order key, KEYS[2] totals hash, KEYS[3] orders per customer hash,
-- KEYS[4] amount per customer hash (all in one hash slot)
-- ARGV[1] the processed order (JSON), ARGV[2] customer id, ARGV[3] quantity, ARGV[4] amount in cents
-- Returns 1 when the order was recorded now, 0 when it had been recorded before.
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  return 0
end
redis.call('HINCRBY', KEYS[2], 'orders', 1)
redis.call('HINCRBY', KEYS[2], 'items', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'amount-cents', ARGV[4])
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
redis.call('HINCRBY', KEYS[4], ARGV[2], ARGV[4])
return 1
