/** What the webhook API methods (and the admin page) answer. */

export interface DeadLetter {
  id: string;
  type: string;
  /** The user the event is about ("" for an anonymous connection). */
  user: string;
  created_at: string;
  dead_at: string;
  attempts: number;
  last_error: string | null;
  /** The event as it was sent: `{type, timestamp, data}`. */
  payload: unknown;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  next_cursor: string | null;
}

export interface WebhookStats {
  url: string;
  pending: number;
  dead: number;
  oldest_pending_at: string | null;
  /** Since this node started. */
  delivered: number;
  failed_attempts: number;
}
