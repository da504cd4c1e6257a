-- 006: operators' token revocations (`chat-node admin kick --revoke`). A row refuses the tokens of
-- user_id (of one device, or of every device when device is '*', which no device id can be) issued
-- before not_before. They were in Redis before; a revocation is a security decision that must
-- survive a Redis flush or failover, and Redis holds only what can be rebuilt. Gateways keep a copy
-- in memory (the hello path pays no round trip) and reload it every minute. A row is useless after
-- expires_at (not_before + the longest token lifetime: every older token has expired by then; NULL
-- for ever): gateways skip it, and the next revocation deletes it. Nothing was migrated from Redis:
-- revocations live as long as --max-token-ttl (1 day by default), re-run the kick if one must stay.
CREATE TABLE token_revocations (
  user_id    text NOT NULL,
  device     text NOT NULL,
  not_before timestamptz NOT NULL,
  expires_at timestamptz,
  PRIMARY KEY (user_id, device)
);
