-- Bumped by every membership removal, under the room's row lock. A commit reads its members (the
-- sender's check, the recipients) in a snapshot taken before it locks the room; it bumps last_seq
-- only if members_version is still the one it read, so a removal that committed in between is
-- noticed and the commit is redone on fresh members: a removal is strictly before or after a commit.
ALTER TABLE rooms ADD COLUMN members_version bigint NOT NULL DEFAULT 0;
