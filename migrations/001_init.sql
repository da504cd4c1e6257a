-- 001: the initial schema. Applied by `chat-node migrate` (and by `chat-node dev` at start).
-- Messages are hash-partitioned by room_id so the same schema distributes by room_id on Citus;
-- everything a room needs (its row, members, messages) is keyed by room_id for the same reason.

CREATE TABLE users (
  id           text PRIMARY KEY,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  user_id      text NOT NULL REFERENCES users (id),
  id           text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, id)
);

CREATE TABLE rooms (
  id         text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('direct', 'group')),
  name       text NOT NULL DEFAULT '',
  owner_id   text NOT NULL,
  -- "alice|bob" for a direct room (sorted pair): the same pair always gets the same room.
  direct_key text UNIQUE,
  -- The room's sequence: the fan-out bumps it in the same transaction that inserts the messages,
  -- so seqs are gap-free and a row lock orders concurrent writers.
  last_seq   bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
  room_id   text NOT NULL REFERENCES rooms (id),
  user_id   text NOT NULL,
  read_seq  bigint NOT NULL DEFAULT 0,
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id, room_id);

CREATE TABLE messages (
  room_id       text   NOT NULL,
  seq           bigint NOT NULL CHECK (seq > 0),
  msg_id        text   NOT NULL,
  sender_id     text   NOT NULL,
  sender_device text   NOT NULL,
  client_msg_id text   NOT NULL,
  body          text   NOT NULL,
  ts            bigint NOT NULL,
  PRIMARY KEY (room_id, seq)
) PARTITION BY HASH (room_id);
CREATE TABLE messages_p00 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 0);
CREATE TABLE messages_p01 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 1);
CREATE TABLE messages_p02 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 2);
CREATE TABLE messages_p03 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 3);
CREATE TABLE messages_p04 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 4);
CREATE TABLE messages_p05 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 5);
CREATE TABLE messages_p06 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 6);
CREATE TABLE messages_p07 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 7);
CREATE TABLE messages_p08 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 8);
CREATE TABLE messages_p09 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 9);
CREATE TABLE messages_p10 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 10);
CREATE TABLE messages_p11 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 11);
CREATE TABLE messages_p12 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 12);
CREATE TABLE messages_p13 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 13);
CREATE TABLE messages_p14 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 14);
CREATE TABLE messages_p15 PARTITION OF messages FOR VALUES WITH (MODULUS 16, REMAINDER 15);

-- unique (sender, clientMsgId): Postgres cannot enforce a unique key without the partition key on a
-- table partitioned by room_id, so the idempotency key lives in its own table, partitioned by sender.
CREATE TABLE client_msg_ids (
  sender_id     text   NOT NULL,
  client_msg_id text   NOT NULL,
  room_id       text   NOT NULL,
  seq           bigint NOT NULL,
  msg_id        text   NOT NULL,
  ts            bigint NOT NULL,
  PRIMARY KEY (sender_id, client_msg_id)
) PARTITION BY HASH (sender_id);
CREATE TABLE client_msg_ids_p00 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 0);
CREATE TABLE client_msg_ids_p01 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 1);
CREATE TABLE client_msg_ids_p02 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 2);
CREATE TABLE client_msg_ids_p03 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 3);
CREATE TABLE client_msg_ids_p04 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 4);
CREATE TABLE client_msg_ids_p05 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 5);
CREATE TABLE client_msg_ids_p06 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 6);
CREATE TABLE client_msg_ids_p07 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 7);
CREATE TABLE client_msg_ids_p08 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 8);
CREATE TABLE client_msg_ids_p09 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 9);
CREATE TABLE client_msg_ids_p10 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 10);
CREATE TABLE client_msg_ids_p11 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 11);
CREATE TABLE client_msg_ids_p12 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 12);
CREATE TABLE client_msg_ids_p13 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 13);
CREATE TABLE client_msg_ids_p14 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 14);
CREATE TABLE client_msg_ids_p15 PARTITION OF client_msg_ids FOR VALUES WITH (MODULUS 16, REMAINDER 15);

-- Which fan-out worker owns which send partition. The epoch fences a worker that lost its lease:
-- its commit transaction checks (owner, epoch) and rolls back when another worker took over.
CREATE TABLE fanout_partitions (
  partition   integer PRIMARY KEY,
  owner       text,
  epoch       bigint NOT NULL DEFAULT 0,
  lease_until timestamptz NOT NULL DEFAULT 'epoch',
  -- last JetStream sequence committed for this partition (for operators; the commit is idempotent anyway)
  stream_seq  bigint NOT NULL DEFAULT 0
);

-- Live fan-out workers (heartbeat), so that a newcomer that holds nothing yet still counts
-- when the others compute their fair share and give partitions back.
CREATE TABLE fanout_workers (
  owner      text PRIMARY KEY,
  seen_until timestamptz NOT NULL
);
