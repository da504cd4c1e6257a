import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { RefusedMember, Room } from '../protocol/server-frames.js';
import { inTransaction } from './postgres.js';

interface RoomRow {
  id: string;
  kind: 'direct' | 'group';
  name: string;
  owner_id: string;
  last_seq: number;
  members: string[];
  read_seq: number | null;
  unread: number | null;
}

/** Server-chosen room ids: a kind prefix and 16 random base64url characters. */
export function newRoomId(kind: 'direct' | 'group'): string {
  return `${kind === 'direct' ? 'd' : 'g'}_${randomBytes(12).toString('base64url')}`;
}

export function directKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

// One query for a user's view of rooms: members, read position and unread (messages from others above it).
const ROOM_VIEW_SQL = `
  SELECT r.id, r.kind, r.name, r.owner_id, r.last_seq,
         (SELECT array_agg(m2.user_id ORDER BY m2.joined_at, m2.user_id) FROM members m2 WHERE m2.room_id = r.id) AS members,
         me.read_seq,
         (SELECT count(*)::int FROM messages msg
           WHERE msg.room_id = r.id AND msg.seq > me.read_seq AND msg.sender_id <> me.user_id) AS unread
    FROM rooms r
    LEFT JOIN members me ON me.room_id = r.id AND me.user_id = $1`;

function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    members: row.members ?? [],
    owner: row.owner_id,
    lastSeq: row.last_seq,
    readSeq: row.read_seq ?? 0,
    unread: row.unread ?? 0,
  };
}

/** A user's rooms, newest activity first, and each room's members_version as the read saw it. */
export interface UserRooms {
  rooms: Room[];
  membersVersion: Map<string, number>;
}

export type MembershipChange = { room: Room; added: string[]; removed: string[] };

/**
 * Rooms and members in Postgres: creation, membership, read positions, per-user views.
 *
 * Over 400 lines: every statement over rooms and members, kept together so that their lock order
 * (room row, then members) and the members_version rule read in one place.
 */
export class RoomStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * A user's and device's first connection creates them; later ones refresh last_seen_at. One
   * statement for many (sorted, so concurrent batches lock rows in the same order).
   */
  async touchDevices(devices: ReadonlyArray<{ user: string; device: string }>): Promise<void> {
    if (devices.length === 0) return;
    const sorted = [...devices].sort((a, b) =>
      a.user === b.user ? (a.device < b.device ? -1 : 1) : a.user < b.user ? -1 : 1,
    );
    const users = [...new Set(sorted.map((d) => d.user))];
    await this.pool.query(
      `WITH u AS (
         INSERT INTO users (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO UPDATE SET last_seen_at = now()
       )
       INSERT INTO devices (user_id, id) SELECT * FROM unnest($2::text[], $3::text[])
       ON CONFLICT (user_id, id) DO UPDATE SET last_seen_at = now()`,
      [users, sorted.map((d) => d.user), sorted.map((d) => d.device)],
    );
  }

  /** The room as `viewer` sees it, or undefined when it does not exist. */
  async view(roomId: string, viewer: string): Promise<Room | undefined> {
    const result = await this.pool.query<RoomRow>(`${ROOM_VIEW_SQL} WHERE r.id = $2`, [viewer, roomId]);
    const row = result.rows[0];
    return row ? toRoom(row) : undefined;
  }

  /**
   * Every room of each user, newest activity first, with each room's members_version as this read
   * saw it (the gateway's membership cache records the answers at that version). One statement
   * for many users, answered in the order asked: devices connecting together share a round trip
   * (a reconnect storm is thousands of syncs a second).
   */
  async roomsOfUsers(users: readonly string[]): Promise<UserRooms[]> {
    // Driven from the users' memberships, one room lookup each (LATERAL, fenced by OFFSET 0 so it
    // is not flattened back into a join): with stale statistics
    // (tables that grew faster than autovacuum analyzes them) the planner otherwise hashed a scan
    // of every room, 50-100 ms per sync.
    const result = await this.pool.query<RoomRow & { user_id: string; members_version: string }>({
      name: 'rooms-of-users',
      text: `SELECT me.user_id, r.id, r.kind, r.name, r.owner_id, r.last_seq, r.members_version,
              (SELECT array_agg(m2.user_id ORDER BY m2.joined_at, m2.user_id) FROM members m2 WHERE m2.room_id = r.id) AS members,
              me.read_seq,
              (SELECT count(*)::int FROM messages msg
                WHERE msg.room_id = r.id AND msg.seq > me.read_seq AND msg.sender_id <> me.user_id) AS unread
         FROM members me
        CROSS JOIN LATERAL (SELECT * FROM rooms WHERE rooms.id = me.room_id OFFSET 0) r
        WHERE me.user_id = ANY($1::text[])
        ORDER BY r.last_seq DESC, r.id`,
      values: [[...new Set(users)]],
    });
    const byUser = new Map<string, UserRooms>();
    for (const row of result.rows) {
      let entry = byUser.get(row.user_id);
      if (!entry) byUser.set(row.user_id, (entry = { rooms: [], membersVersion: new Map() }));
      entry.rooms.push(toRoom(row));
      entry.membersVersion.set(row.id, Number(row.members_version));
    }
    return users.map((user) => byUser.get(user) ?? { rooms: [], membersVersion: new Map() });
  }

  /**
   * One page of the user's rooms, in room id order (stable while rooms get messages, so paging
   * sees every room the user stays in exactly once): at most `limit` rooms with ids above
   * `after`, and the id to continue after when more follow. Keyset over members_by_user.
   */
  async roomsPage(user: string, limit: number, after?: string): Promise<{ rooms: Room[]; next?: string }> {
    const result = await this.pool.query<RoomRow>({
      name: 'rooms-page',
      text: `SELECT r.id, r.kind, r.name, r.owner_id, r.last_seq,
              (SELECT array_agg(m2.user_id ORDER BY m2.joined_at, m2.user_id) FROM members m2 WHERE m2.room_id = r.id) AS members,
              me.read_seq,
              (SELECT count(*)::int FROM messages msg
                WHERE msg.room_id = r.id AND msg.seq > me.read_seq AND msg.sender_id <> me.user_id) AS unread
         FROM (SELECT * FROM members WHERE user_id = $1 AND room_id > $2 ORDER BY room_id LIMIT $3) me
        CROSS JOIN LATERAL (SELECT * FROM rooms WHERE rooms.id = me.room_id OFFSET 0) r
        ORDER BY me.room_id`,
      values: [user, after ?? '', limit + 1],
    });
    const rooms = result.rows.slice(0, limit).map(toRoom);
    return result.rows.length > limit ? { rooms, next: rooms.at(-1)!.id } : { rooms };
  }

  /** Each user's view of one room; users who are not members get readSeq 0 and unread 0. */
  async viewsFor(roomId: string, users: string[]): Promise<Map<string, Room>> {
    const views = new Map<string, Room>();
    const base = await this.view(roomId, '');
    if (!base) return views;
    const result = await this.pool.query<{ user_id: string; read_seq: number; unread: number }>(
      `SELECT me.user_id, me.read_seq,
              (SELECT count(*)::int FROM messages msg
                WHERE msg.room_id = me.room_id AND msg.seq > me.read_seq AND msg.sender_id <> me.user_id) AS unread
         FROM members me WHERE me.room_id = $1 AND me.user_id = ANY($2::text[])`,
      [roomId, users],
    );
    const own = new Map(result.rows.map((row) => [row.user_id, row]));
    for (const user of users) {
      const row = own.get(user);
      views.set(user, { ...base, readSeq: row?.read_seq ?? 0, unread: row?.unread ?? 0 });
    }
    return views;
  }

  /**
   * Who hears of each user's presence changes: the co-members of its groups of at most
   * `maxRoomSize` members, and the other member of each direct room where the user has sent a
   * message; never a user it blocked. Creating a room with someone does not make them see you.
   * For many users in one statement, answered in the order asked.
   */
  async presenceAudiences(users: readonly string[], maxRoomSize: number): Promise<string[][]> {
    if (users.length === 0) return [];
    const result = await this.pool.query<{ user_id: string; other_id: string }>({
      name: 'presence-audiences',
      // Per membership, index lookups in that room (LATERAL fenced by OFFSET 0, as in roomsOfUsers):
      // with statistics staler than the table's growth the plain join hashed a scan of every
      // membership, ~14 ms for each presence change of a user with 4 rooms. "Has sent here" is
      // the membership's has_sent, set by the commit (migrations/005_members_has_sent.sql).
      text: `SELECT DISTINCT mine.user_id, other.user_id AS other_id
         FROM members mine
        CROSS JOIN LATERAL (SELECT kind FROM rooms WHERE rooms.id = mine.room_id OFFSET 0) room
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM members m WHERE m.room_id = mine.room_id OFFSET 0) size
        CROSS JOIN LATERAL (SELECT o.user_id FROM members o WHERE o.room_id = mine.room_id AND o.user_id <> mine.user_id OFFSET 0) other
        WHERE mine.user_id = ANY($1::text[]) AND size.n <= $2
          AND (room.kind = 'group' OR mine.has_sent)
          AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = mine.user_id AND b.blocked_id = other.user_id)`,
      values: [[...new Set(users)], maxRoomSize],
    });
    const byUser = new Map<string, string[]>();
    for (const row of result.rows) {
      const audience = byUser.get(row.user_id);
      if (audience) audience.push(row.other_id);
      else byUser.set(row.user_id, [row.other_id]);
    }
    return users.map((user) => byUser.get(user) ?? []);
  }

  /**
   * For each ask, the candidates whose presence the asker may see (presence.query; rooms of any
   * size): those who share a group with it, or have sent a message in a direct room with it, and
   * did not block it. Many askers in one statement (devices reconnecting together each ask about
   * their contacts), answered in the order asked.
   */
  async presenceVisibleToMany(
    asks: ReadonlyArray<{ asker: string; candidates: readonly string[] }>,
  ): Promise<string[][]> {
    const askers: string[] = [];
    const candidates: string[] = [];
    for (const ask of asks) {
      for (const candidate of new Set(ask.candidates)) {
        askers.push(ask.asker);
        candidates.push(candidate);
      }
    }
    if (askers.length === 0) return asks.map(() => []);
    const result = await this.pool.query<{ asker: string; user_id: string }>({
      name: 'presence-visible-to-many',
      // Driven from each asker's memberships, each room's candidate by the members primary key
      // (LATERAL fenced by OFFSET 0, as in presenceAudiences): joined the other way round, the
      // plan scanned the members of every candidate, ~7 ms a query, 13,000 queries in a rate
      // sweep step (every device asks once a direct room's other member first writes).
      text: `SELECT DISTINCT q.asker, other.user_id
         FROM unnest($1::text[], $2::text[]) AS q(asker, candidate)
         JOIN members mine ON mine.user_id = q.asker
        CROSS JOIN LATERAL (SELECT kind FROM rooms WHERE rooms.id = mine.room_id OFFSET 0) room
        CROSS JOIN LATERAL (SELECT o.user_id, o.has_sent FROM members o
                             WHERE o.room_id = mine.room_id AND o.user_id = q.candidate AND o.user_id <> q.asker OFFSET 0) other
        WHERE (room.kind = 'group' OR other.has_sent)
          AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = other.user_id AND b.blocked_id = q.asker)`,
      values: [askers, candidates],
    });
    const byAsker = new Map<string, string[]>();
    for (const row of result.rows) {
      const visible = byAsker.get(row.asker);
      if (visible) visible.push(row.user_id);
      else byAsker.set(row.asker, [row.user_id]);
    }
    return asks.map((ask) => {
      const visible = new Set(byAsker.get(ask.asker) ?? []);
      return [...new Set(ask.candidates)].filter((candidate) => visible.has(candidate));
    });
  }

  async lastSeq(roomId: string): Promise<number> {
    const result = await this.pool.query<{ last_seq: number }>({
      name: 'room-last-seq',
      text: 'SELECT last_seq FROM rooms WHERE id = $1',
      values: [roomId],
    });
    return result.rows[0]?.last_seq ?? 0;
  }

  /**
   * Whether the user is a member, with the room's members_version the answer holds at (a cache
   * keeps the newest answer: migrations/003_members_version.sql); undefined: no such room.
   */
  async membership(roomId: string, user: string): Promise<{ member: boolean; version: number } | undefined> {
    const result = await this.pool.query<{ member: boolean; version: string }>({
      name: 'membership',
      text: `SELECT EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.id AND m.user_id = $2) AS member, r.members_version AS version
               FROM rooms r WHERE r.id = $1`,
      values: [roomId, user],
    });
    const row = result.rows[0];
    return row && { member: row.member, version: Number(row.version) };
  }

  async membersOf(roomId: string): Promise<string[]> {
    const result = await this.pool.query<{ user_id: string }>({
      name: 'members-of',
      text: 'SELECT user_id FROM members WHERE room_id = $1',
      values: [roomId],
    });
    return result.rows.map((row) => row.user_id);
  }

  /**
   * The direct room of a pair; created on first use, the same one ever after. A member who left
   * it is brought back (with a members_version bump, like any add). Refused (RoomRefusal) when
   * `other` blocked the creator, or when a user to add is already in `maxRooms` rooms.
   */
  async createDirect(
    creator: string,
    other: string,
    maxRooms: number,
  ): Promise<{ roomId: string; added: string[]; version: number }> {
    return inTransaction(this.pool, async (client) => {
      if ((await blockersOf(client, creator, [other])).length > 0) throw new RoomRefusal('blocked', other);
      await lockUsers(client, [creator, other]);
      const key = directKey(creator, other);
      const existing = await client.query<{ id: string; members_version: string }>(
        'SELECT id, members_version FROM rooms WHERE direct_key = $1',
        [key],
      );
      const room = existing.rows[0];
      const present = room
        ? new Set(
            (
              await client.query<{ user_id: string }>('SELECT user_id FROM members WHERE room_id = $1', [room.id])
            ).rows.map((row) => row.user_id),
          )
        : new Set<string>();
      const missing = [creator, other].filter((user) => !present.has(user));
      const full = await atRoomCap(client, missing, maxRooms);
      if (full.has(creator)) throw new RoomRefusal('too_many_rooms', creator);
      if (full.has(other)) throw new RoomRefusal('too_many_rooms', other);
      if (room && missing.length === 0) return { roomId: room.id, added: [], version: Number(room.members_version) };
      let roomId = room?.id;
      let version = 0;
      if (roomId) {
        // Bringing a leaver back is an add: the bump orders it among membership hints.
        const bumped = await client.query<{ members_version: string }>(
          'UPDATE rooms SET members_version = members_version + 1 WHERE id = $1 RETURNING members_version',
          [roomId],
        );
        version = Number(bumped.rows[0]!.members_version);
      } else {
        // The pair's locks are held: no other transaction can be inserting this key.
        roomId = newRoomId('direct');
        await client.query(`INSERT INTO rooms (id, kind, owner_id, direct_key) VALUES ($1, 'direct', $2, $3)`, [
          roomId,
          creator,
          key,
        ]);
      }
      await client.query(`INSERT INTO members (room_id, user_id) SELECT $1, unnest($2::text[])`, [roomId, missing]);
      return { roomId, added: missing, version };
    });
  }

  /**
   * A new group of `owner` and those of `others` who may join: a user who blocked the owner, or
   * who is already in `maxRooms` rooms, is left out and listed in `refused`. Throws RoomRefusal
   * when the owner itself is at the cap.
   */
  async createGroup(
    owner: string,
    name: string,
    others: string[],
    maxRooms: number,
  ): Promise<{ roomId: string; members: string[]; refused: RefusedMember[] }> {
    return inTransaction(this.pool, async (client) => {
      const candidates = others.filter((user) => user !== owner);
      const refused = (await blockersOf(client, owner, candidates)).map((user): RefusedMember => ({
        user,
        reason: 'blocked',
      }));
      const blocked = new Set(refused.map((entry) => entry.user));
      const wanted = [owner, ...candidates.filter((user) => !blocked.has(user))];
      await lockUsers(client, wanted);
      const full = await atRoomCap(client, wanted, maxRooms);
      if (full.has(owner)) throw new RoomRefusal('too_many_rooms', owner);
      for (const user of wanted) if (full.has(user)) refused.push({ user, reason: 'too_many_rooms' });
      const members = wanted.filter((user) => !full.has(user));
      const id = newRoomId('group');
      await client.query(`INSERT INTO rooms (id, kind, name, owner_id) VALUES ($1, 'group', $2, $3)`, [
        id,
        name,
        owner,
      ]);
      await client.query(`INSERT INTO members (room_id, user_id) SELECT $1, unnest($2::text[])`, [id, members]);
      return { roomId: id, members, refused };
    });
  }

  /**
   * Adds users; the caller has checked ownership. Users who blocked `requester`, or are already
   * in `maxRooms` rooms, are not added and come back in `refused`. Returns those really added and
   * the room's new members_version. `cap` (members of a group) is enforced under the room's row
   * lock so concurrent adds cannot exceed it.
   */
  async addMembers(
    roomId: string,
    requester: string,
    users: string[],
    cap: number,
    maxRooms: number,
  ): Promise<{ added: string[]; refused: RefusedMember[]; version: number }> {
    return inTransaction(this.pool, async (client) => {
      // The bump orders this change among the membership hints gateways apply (local-sessions.ts).
      // The room's row lock comes before the users' locks, as in createDirect's re-add.
      const room = await client.query<{ members_version: string }>(
        'UPDATE rooms SET members_version = members_version + 1 WHERE id = $1 RETURNING members_version',
        [roomId],
      );
      const present = new Set(
        (await client.query<{ user_id: string }>('SELECT user_id FROM members WHERE room_id = $1', [roomId])).rows.map(
          (row) => row.user_id,
        ),
      );
      const newcomers = users.filter((user) => !present.has(user));
      const refused = (await blockersOf(client, requester, newcomers)).map((user): RefusedMember => ({
        user,
        reason: 'blocked',
      }));
      const blocked = new Set(refused.map((entry) => entry.user));
      const wanted = newcomers.filter((user) => !blocked.has(user));
      await lockUsers(client, wanted);
      const full = await atRoomCap(client, wanted, maxRooms);
      for (const user of wanted) if (full.has(user)) refused.push({ user, reason: 'too_many_rooms' });
      if (present.size + wanted.length - full.size > cap) throw new GroupCapError();
      const inserted = await client.query<{ user_id: string }>(
        `INSERT INTO members (room_id, user_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING user_id`,
        [roomId, wanted.filter((user) => !full.has(user))],
      );
      return {
        added: inserted.rows.map((row) => row.user_id),
        refused,
        version: Number(room.rows[0]?.members_version ?? 0),
      };
    });
  }

  /** `blocker` no longer accepts `blocked` (idempotent). Throws BlockCapError beyond `maxBlocks`. */
  async block(blocker: string, blocked: string, maxBlocks: number): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await lockUsers(client, [blocker]);
      const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM blocks WHERE blocker_id = $1', [
        blocker,
      ]);
      const inserted = await client.query(
        'INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [blocker, blocked],
      );
      if ((inserted.rowCount ?? 0) > 0 && (count.rows[0]?.n ?? 0) >= maxBlocks) throw new BlockCapError();
    });
  }

  async unblock(blocker: string, blocked: string): Promise<void> {
    await this.pool.query('DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2', [blocker, blocked]);
  }

  /** The users `blocker` blocked, sorted. */
  async blocksOf(blocker: string): Promise<string[]> {
    const result = await this.pool.query<{ blocked_id: string }>(
      'SELECT blocked_id FROM blocks WHERE blocker_id = $1 ORDER BY blocked_id',
      [blocker],
    );
    return result.rows.map((row) => row.blocked_id);
  }

  /**
   * Removes users; when the owner leaves, the longest-standing member becomes owner. Returns those
   * really removed and the room's new members_version.
   */
  async removeMembers(roomId: string, users: string[]): Promise<{ removed: string[]; version: number }> {
    return inTransaction(this.pool, async (client) => {
      // The version bump takes the room's row lock and tells a commit that read the members
      // before this removal to read them again (migrations/003_members_version.sql).
      const room = await client.query<{ owner_id: string; members_version: string }>(
        'UPDATE rooms SET members_version = members_version + 1 WHERE id = $1 RETURNING owner_id, members_version',
        [roomId],
      );
      const removed = await client.query<{ user_id: string }>(
        'DELETE FROM members WHERE room_id = $1 AND user_id = ANY($2::text[]) RETURNING user_id',
        [roomId, users],
      );
      const removedIds = removed.rows.map((row) => row.user_id);
      const owner = room.rows[0]?.owner_id;
      if (owner && removedIds.includes(owner)) {
        await client.query(
          `UPDATE rooms SET owner_id = COALESCE(
             (SELECT user_id FROM members WHERE room_id = $1 ORDER BY joined_at, user_id LIMIT 1), owner_id)
           WHERE id = $1`,
          [roomId],
        );
      }
      return { removed: removedIds, version: Number(room.rows[0]?.members_version ?? 0) };
    });
  }

  /** Moves the read position forward (never back, never beyond lastSeq); returns the new one. */
  /**
   * Moves read positions, each to at least its `seq` (never past the room's last message), and
   * returns each with its room's members, who are told of it: one statement for many reads, so
   * an acknowledged read never lacks the members its announcement needs, and a burst of reads
   * (every device of a reconnect storm marking its rooms) costs a few statements instead of a
   * pool wait per read. Rows are locked in (room, user) order, so two batches cannot deadlock.
   * Per read: its position and members, or undefined when the user is not a member.
   */
  async markReads(
    reads: ReadonlyArray<{ room: string; user: string; seq: number }>,
  ): Promise<Array<{ readSeq: number; members: string[] } | undefined>> {
    const result = await this.pool.query<{ room_id: string; user_id: string; read_seq: string; members: string[] }>({
      name: 'mark-reads',
      text: `WITH wanted AS (
               SELECT room_id, user_id, max(seq) AS seq FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(room_id, user_id, seq)
                GROUP BY room_id, user_id
             ), locked AS (
               SELECT m.room_id, m.user_id, w.seq FROM members m JOIN wanted w ON w.room_id = m.room_id AND w.user_id = m.user_id
                ORDER BY m.room_id, m.user_id FOR UPDATE OF m
             ), marked AS (
               UPDATE members m SET read_seq = GREATEST(m.read_seq, LEAST(l.seq, r.last_seq))
                 FROM locked l JOIN rooms r ON r.id = l.room_id
                WHERE m.room_id = l.room_id AND m.user_id = l.user_id
               RETURNING m.room_id, m.user_id, m.read_seq
             )
             SELECT k.room_id, k.user_id, k.read_seq, ARRAY(SELECT o.user_id FROM members o WHERE o.room_id = k.room_id) AS members FROM marked k`,
      values: [reads.map((r) => r.room), reads.map((r) => r.user), reads.map((r) => r.seq)],
    });
    const byKey = new Map(
      result.rows.map((row) => [
        `${row.room_id}\u0000${row.user_id}`,
        { readSeq: Number(row.read_seq), members: row.members },
      ]),
    );
    return reads.map((read) => byKey.get(`${read.room}\u0000${read.user}`));
  }
}

export class GroupCapError extends Error {
  override name = 'GroupCapError';
}

export class BlockCapError extends Error {
  override name = 'BlockCapError';
}

/** A room.create refused because of `user`: it blocked the requester, or is in too many rooms. */
export class RoomRefusal extends Error {
  override name = 'RoomRefusal';
  constructor(
    readonly reason: RefusedMember['reason'],
    readonly user: string,
  ) {
    super(`${user}: ${reason}`);
  }
}

/**
 * Serializes the membership counts of these users until the transaction ends (advisory locks,
 * taken in one sorted order so that two transactions never wait on each other in a cycle): two
 * concurrent adds of a user at the cap cannot both see room for one more.
 */
async function lockUsers(client: pg.PoolClient, users: string[]): Promise<void> {
  if (users.length === 0) return;
  await client.query(
    `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(u, ${USER_LOCK_SEED}) AS k FROM unnest($1::text[]) u ORDER BY k) keys`,
    [users],
  );
}
/** Keys the user locks apart from other advisory locks (migrations use a fixed key). */
const USER_LOCK_SEED = 7_042_004;

/** Those of `users` who are members of at least `maxRooms` rooms. */
async function atRoomCap(client: pg.PoolClient, users: string[], maxRooms: number): Promise<Set<string>> {
  if (users.length === 0) return new Set();
  const result = await client.query<{ user_id: string }>(
    'SELECT user_id FROM members WHERE user_id = ANY($1::text[]) GROUP BY user_id HAVING count(*) >= $2',
    [users, maxRooms],
  );
  return new Set(result.rows.map((row) => row.user_id));
}

/** Those of `users` who blocked `requester`. */
async function blockersOf(client: pg.PoolClient, requester: string, users: string[]): Promise<string[]> {
  if (users.length === 0) return [];
  const result = await client.query<{ blocker_id: string }>(
    'SELECT blocker_id FROM blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::text[]) ORDER BY blocker_id',
    [requester, users],
  );
  return result.rows.map((row) => row.blocker_id);
}
