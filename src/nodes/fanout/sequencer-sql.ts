import { MESSAGE_COLUMNS } from '../../core/storage/message-store.js';

// The lease check ($1 partition, $2 owner, $3 epoch): one row while this worker still owns the
// partition at its epoch. FOR KEY SHARE: a takeover (PartitionLeases.acquire) locks the row FOR
// UPDATE, so a commit in flight delays the takeover and a commit that starts after it waits, then
// sees the new owner and commits nothing; lease renewals (plain updates) neither wait nor block.
// Anything that changes owner or epoch must take FOR UPDATE first, or it would not fence.
const FENCE = `fence AS (
    SELECT 1 FROM fanout_partitions WHERE partition = $1 AND owner = $2 AND epoch = $3 FOR KEY SHARE
  )`;

// Inserts the rows of a \`fresh\` CTE into messages and their idempotency keys, and marks each
// sender's membership as having sent in the room (members.has_sent, read by presence
// visibility): written once per member and room, an index probe per sender and room after that.
// It runs after bump (it reads fresh, which joins bump), so it locks a members row after the
// room's row, in the order a removal does: the two cannot deadlock.
const INSERT_FRESH = `stored AS (
    INSERT INTO messages (room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts)
    SELECT room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts FROM fresh RETURNING 1
  ), keyed AS (
    INSERT INTO client_msg_ids (sender_id, client_msg_id, room_id, seq, msg_id, ts)
    SELECT sender_id, client_msg_id, room_id, seq, msg_id, ts FROM fresh RETURNING 1
  ), marked AS (
    UPDATE members m SET has_sent = true FROM (SELECT DISTINCT room_id, sender_id FROM fresh) f
     WHERE m.room_id = f.room_id AND m.user_id = f.sender_id AND NOT m.has_sent RETURNING m.room_id, m.user_id
  )`;

// Who may now see a sender's presence because this commit marked its first message in a direct
// room: the room's other member, unless the sender blocked it. [sender, room, other] triples; the
// presence role announces the sender's status to them (protocol "Who is told"), so no device has
// to ask with presence.query when a correspondent first writes.
const REVEALED = `(SELECT json_agg(json_build_array(mk.user_id, mk.room_id, o.user_id)) FROM marked mk
     JOIN rooms r ON r.id = mk.room_id AND r.kind = 'direct'
     JOIN members o ON o.room_id = mk.room_id AND o.user_id <> mk.user_id
    WHERE NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = mk.user_id AND b.blocked_id = o.user_id)) AS revealed`;

// A room of the batch as the commit reads it (r, a rooms row): its members at commit time, whom the
// message is delivered to, and their push registrations, which decide who gets a push (read here
// rather than in a statement of their own after delivery: one round trip per batch instead of two).
const ROOM_OBJECT = `json_build_object('id', r.id, 'version', r.members_version,
    'members', (SELECT coalesce(json_agg(m.user_id), '[]'::json) FROM members m WHERE m.room_id = r.id),
    'pushes', (SELECT json_agg(json_build_array(p.user_id, p.device_id, p.platform, p.token, p.preview, p.muted_rooms))
                 FROM members m JOIN push_registrations p ON p.user_id = m.user_id WHERE m.room_id = r.id))`;

// Read phase: the rooms' members and any earlier result of the same (sender, clientMsgId) — the
// stored message itself, so a replay re-delivers exactly what was committed, whichever device
// sent it first. One round trip.
export const READ_SQL = `
  SELECT
    (SELECT json_agg(${ROOM_OBJECT}) FROM rooms r WHERE r.id = ANY($1::text[])) AS rooms,
    (SELECT json_agg(json_build_object(${MESSAGE_COLUMNS.split(', ')
      .map((c) => `'${c}', msg.${c}`)
      .join(', ')}))
       FROM unnest($2::text[], $3::text[]) AS k(sender_id, client_msg_id)
       JOIN client_msg_ids c ON c.sender_id = k.sender_id AND c.client_msg_id = k.client_msg_id
       JOIN messages msg ON msg.room_id = c.room_id AND msg.seq = c.seq) AS committed`;

// The batch's rooms (r), each by its primary key: the LATERAL fenced by OFFSET 0 is not flattened
// into a join, which with the small tables' statistics (a few thousand rooms) the planner made a
// sequential scan of rooms per statement, up to a third of Postgres's CPU at 1,000 msgs/s.
const ROOMS_OF_INPUT = `(SELECT DISTINCT room_id FROM input) i CROSS JOIN LATERAL (SELECT * FROM rooms WHERE id = i.room_id OFFSET 0) r`;

// Both commit statements bump a room only if its members_version is still the one its members
// were read at (`seen`): when a removal commits after that read, even while the bump waits for
// the removal's lock, Postgres re-checks the condition on the room's newest row, the room is left
// alone, and it is listed in `raced` for the sequencer to commit again on fresh members.
const RACED = `(SELECT coalesce(json_agg(room_id), '[]'::json) FROM counts WHERE room_id NOT IN (SELECT id FROM bump)) AS raced`;

// Write phase: one statement, so one atomic transaction. The fence row exists only while this
// worker still owns the partition at this epoch; every other part joins it, so a fenced worker
// changes nothing. Each room's last_seq is bumped by its count of new messages and the new
// messages take the seqs below the bumped value, in batch order (ordinal k of n). $12 is each
// message's room's members_version as READ_SQL read it.
export const WRITE_SQL = `
  WITH ${FENCE}, counts AS (
    SELECT room_id, count(*)::int AS n, min(version) AS seen FROM unnest($4::text[], $12::bigint[]) AS v(room_id, version) GROUP BY room_id
  ), bump AS (
    UPDATE rooms r SET last_seq = r.last_seq + c.n FROM counts c, fence
     WHERE r.id = c.room_id AND r.members_version = c.seen RETURNING r.id, r.last_seq, c.n
  ), fresh AS (
    SELECT v.room_id, b.last_seq - b.n + v.k AS seq, v.msg_id, v.sender_id, v.sender_device, v.client_msg_id, v.body, v.ts
      FROM unnest($4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[])
           AS v(room_id, k, msg_id, sender_id, sender_device, client_msg_id, body, ts)
      JOIN bump b ON b.id = v.room_id
  ), ${INSERT_FRESH}
  SELECT (SELECT count(*) FROM fence)::int AS owned, (SELECT json_agg(json_build_object('id', id, 'last_seq', last_seq)) FROM bump) AS bumped,
         (SELECT count(*) FROM stored)::int AS stored, (SELECT count(*) FROM keyed)::int AS keyed, ${RACED}, ${REVEALED}`;

// The common case in one statement, so one atomic transaction and one round trip, for the batches
// of several partitions of this worker at once (CommitCoalescer): no send was committed before
// (JetStream already drops resends inside its window). The lease of every partition is checked
// as in FENCE, in partition order; the sends of a partition no longer held take no seq, and
// `owned` tells which partitions were held. Members are checked inline; non-members simply take
// no seq. If a send was committed before after all, the insert into client_msg_ids violates its
// primary key, the statement changes nothing, and the sequencer takes the careful path (READ_SQL,
// planBatch, WRITE_SQL) per partition.
export const COMMIT_SQL = `
  WITH input AS (
    SELECT * FROM unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[]) WITH ORDINALITY
      AS v(part, room_id, msg_id, sender_id, sender_device, client_msg_id, body, ts, ord)
  ), fence AS (
    SELECT p.partition FROM fanout_partitions p JOIN unnest($1::int[], $3::bigint[]) AS f(partition, epoch)
        ON p.partition = f.partition AND p.epoch = f.epoch
     WHERE p.owner = $2 ORDER BY p.partition FOR KEY SHARE OF p
  ), eligible AS (
    SELECT i.*, row_number() OVER (PARTITION BY i.room_id ORDER BY i.ord) AS k
      FROM input i WHERE i.part IN (SELECT partition FROM fence)
       AND EXISTS (SELECT 1 FROM members m WHERE m.room_id = i.room_id AND m.user_id = i.sender_id)
  ), counts AS (
    SELECT e.room_id, count(*)::int AS n, r.members_version AS seen
      FROM eligible e JOIN rooms r ON r.id = e.room_id GROUP BY e.room_id, r.members_version
  ), bump AS (
    UPDATE rooms r SET last_seq = r.last_seq + c.n FROM counts c
     WHERE r.id = c.room_id AND r.members_version = c.seen RETURNING r.id, r.last_seq, c.n
  ), fresh AS (
    SELECT e.room_id, b.last_seq - b.n + e.k AS seq, e.msg_id, e.sender_id, e.sender_device, e.client_msg_id, e.body, e.ts, e.ord
      FROM eligible e JOIN bump b ON b.id = e.room_id
  ), ${INSERT_FRESH}
  SELECT (SELECT coalesce(json_agg(partition), '[]'::json) FROM fence) AS owned,
         (SELECT count(*) FROM stored)::int + (SELECT count(*) FROM keyed)::int AS written,
         (SELECT json_agg(json_build_array(ord, seq)) FROM fresh) AS seqs,
         (SELECT json_agg(${ROOM_OBJECT}) FROM ${ROOMS_OF_INPUT}) AS rooms, ${RACED}, ${REVEALED}`;
