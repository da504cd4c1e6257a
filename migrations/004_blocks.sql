-- 004: blocks. A row says blocker_id does not accept blocked_id: blocked_id cannot make a direct
-- room with blocker_id, cannot add blocker_id to a group, and does not see blocker_id's presence.
-- Both directions are looked up: by blocker (blocks.list, presence fan-out) and by blocked
-- (room.create, room.members.add check the requester against the users it adds).
CREATE TABLE blocks (
  blocker_id text NOT NULL,
  blocked_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker_id, blocked_id),
  CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_by_blocked ON blocks (blocked_id, blocker_id);
