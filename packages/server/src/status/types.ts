/** What the user status API methods (and the admin page) answer: times as ISO 8601, like the inbox. */

export interface UserStatusReply {
  user: string;
  /** True from the first connection until the grace period after the last one has passed. */
  online: boolean;
  connections: number;
  /** Now while connected; when the last connection closed; null if never seen (or forgotten). */
  last_seen: string | null;
  online_since: string | null;
}

export interface OnlineUserReply {
  user: string;
  connections: number;
  online_since: string;
}

export interface SnapshotReply {
  /** When the snapshot was taken. */
  at: string;
  users: OnlineUserReply[];
  next_cursor: string | null;
}
