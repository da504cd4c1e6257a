-- Whether the member has sent a message in the room. The commit statement sets it on the
-- sender's first message there (sequencer-sql.ts); presence visibility reads it (a direct room's
-- other member sees your presence once you wrote there) instead of searching the room's messages,
-- which planned a lookup over every partition of messages for each presence change and query.
ALTER TABLE members ADD COLUMN has_sent boolean NOT NULL DEFAULT false;
UPDATE members m SET has_sent = true
 WHERE EXISTS (SELECT 1 FROM messages msg WHERE msg.room_id = m.room_id AND msg.sender_id = m.user_id);
