import type pg from 'pg';

export interface UserSummary {
  id: string;
  devices: number;
  rooms: number;
  createdAt: string;
  lastSeenAt: string;
}

export interface DeviceSummary {
  userId: string;
  id: string;
  createdAt: string;
  lastSeenAt: string;
}

export interface RoomSummary {
  id: string;
  kind: string;
  name: string;
  owner: string;
  members: number;
  lastSeq: number;
  createdAt: string;
}

export interface MemberSummary {
  userId: string;
  readSeq: number;
  joinedAt: string;
}

/** Read-only queries behind the operator's `chat-node admin` commands. */
export class AdminQueries {
  constructor(private readonly pool: pg.Pool) {}

  async users(opts: { limit: number; match?: string }): Promise<UserSummary[]> {
    const result = await this.pool.query<UserSummary>(
      `SELECT u.id,
              (SELECT count(*)::int FROM devices d WHERE d.user_id = u.id) AS devices,
              (SELECT count(*)::int FROM members m WHERE m.user_id = u.id) AS rooms,
              to_char(u.created_at, 'YYYY-MM-DD HH24:MI:SS') AS "createdAt",
              to_char(u.last_seen_at, 'YYYY-MM-DD HH24:MI:SS') AS "lastSeenAt"
         FROM users u WHERE ($2::text IS NULL OR u.id LIKE $2) ORDER BY u.last_seen_at DESC LIMIT $1`,
      [opts.limit, opts.match ? opts.match.replaceAll('*', '%') : null],
    );
    return result.rows;
  }

  async devices(user: string): Promise<DeviceSummary[]> {
    const result = await this.pool.query<DeviceSummary>(
      `SELECT user_id AS "userId", id,
              to_char(created_at, 'YYYY-MM-DD HH24:MI:SS') AS "createdAt",
              to_char(last_seen_at, 'YYYY-MM-DD HH24:MI:SS') AS "lastSeenAt"
         FROM devices WHERE user_id = $1 ORDER BY last_seen_at DESC`,
      [user],
    );
    return result.rows;
  }

  async rooms(opts: { limit: number; user?: string; id?: string }): Promise<RoomSummary[]> {
    const result = await this.pool.query<RoomSummary>(
      `SELECT r.id, r.kind, r.name, r.owner_id AS owner,
              (SELECT count(*)::int FROM members m WHERE m.room_id = r.id) AS members,
              r.last_seq AS "lastSeq", to_char(r.created_at, 'YYYY-MM-DD HH24:MI:SS') AS "createdAt"
         FROM rooms r
        WHERE ($2::text IS NULL OR r.id IN (SELECT room_id FROM members WHERE user_id = $2))
          AND ($3::text IS NULL OR r.id = $3)
        ORDER BY r.created_at DESC LIMIT $1`,
      [opts.limit, opts.user ?? null, opts.id ?? null],
    );
    return result.rows;
  }

  async room(id: string): Promise<{ room: RoomSummary; members: MemberSummary[] } | undefined> {
    const [room] = await this.rooms({ limit: 1, id });
    if (!room) return undefined;
    const members = await this.pool.query<MemberSummary>(
      `SELECT user_id AS "userId", read_seq AS "readSeq", to_char(joined_at, 'YYYY-MM-DD HH24:MI:SS') AS "joinedAt"
         FROM members WHERE room_id = $1 ORDER BY joined_at, user_id`,
      [id],
    );
    return { room, members: members.rows };
  }
}
