import { useState, type FormEvent } from 'react';
import { describeError, get, post } from '../api';
import { EmptyNote, ErrorNote, Loading, TableScroll, formatTime, HeaderRow } from '../components/Status';
import { usePoll } from '../components/usePoll';
import type { SnapshotReply, UserStatusReply } from '../../../../packages/server/src/status/types';
import type { DeadLetterPage, WebhookStats } from '../../../../packages/server/src/webhooks/types';

const REFRESH_MS = 3_000;

type WebhooksResponse = { enabled: false } | { enabled: true; stats: WebhookStats; deadLetters: DeadLetterPage };
type UserStatusResponse = { enabled: false } | { enabled: true; user?: UserStatusReply; online?: SnapshotReply };

const time = (iso: string | null) => (iso ? formatTime(Date.parse(iso)) : '–');

function UserLookup() {
  const [user, setUser] = useState('');
  const [found, setFound] = useState<UserStatusReply>();
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const reply = await get<UserStatusResponse>(`user_status?user=${encodeURIComponent(user)}`);
      setFound(reply.enabled ? reply.user : undefined);
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Look up a user">
      <div className="row">
        <label htmlFor="status-user">User id</label>
        <input id="status-user" required value={user} onChange={(e) => setUser(e.target.value)} />
        <button type="submit">Look up</button>
      </div>
      {error && <ErrorNote>Could not look up: {error}</ErrorNote>}
      {found && (
        <dl className="pairs" aria-label={`Status of ${found.user}`}>
          <dt>User</dt><dd>{found.user}</dd>
          <dt>Status</dt><dd>{found.online ? (found.connections > 0 ? 'online' : 'online (grace period: no connection right now)') : 'offline'}</dd>
          <dt>Connections</dt><dd>{found.connections}</dd>
          <dt>Online since</dt><dd>{time(found.online_since)}</dd>
          <dt>Last seen</dt><dd>{found.last_seen ? time(found.last_seen) : 'never (or longer ago than last_seen_ttl)'}</dd>
        </dl>
      )}
    </form>
  );
}

function OnlineUsers() {
  const { data, error } = usePoll(() => get<UserStatusResponse>('user_status'), REFRESH_MS);
  if (error) return <ErrorNote>Could not load user status: {error}</ErrorNote>;
  if (!data) return <Loading />;
  if (!data.enabled) return <EmptyNote>User status is off on this gateway: set user_status.enabled (or webhooks.enabled) to track who is online.</EmptyNote>;
  const users = data.online?.users ?? [];
  return (
    <>
      <UserLookup />
      {users.length === 0 ? (
        <EmptyNote>Nobody is online.</EmptyNote>
      ) : (
        <TableScroll label="Users online">
          <table>
            <caption>{users.length}{data.online?.next_cursor ? '+' : ''} user{users.length === 1 ? '' : 's'} online, on every node</caption>
            <HeaderRow columns={['User', 'Connections', 'Online since']} />
            <tbody>
              {users.map((u) => (
                <tr key={u.user}>
                  <th scope="row">{u.user}</th>
                  <td>{u.connections}</td>
                  <td>{time(u.online_since)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}

function DeadLetters() {
  const { data, error, refresh } = usePoll(() => get<WebhooksResponse>('webhooks'), REFRESH_MS);
  const [result, setResult] = useState('');
  const [retryError, setRetryError] = useState<string>();
  if (error) return <ErrorNote>Could not load webhooks: {error}</ErrorNote>;
  if (!data) return <Loading />;
  if (!data.enabled) return <EmptyNote>Webhooks are off on this gateway: set webhooks.enabled, webhooks.url and webhooks.secret to send lifecycle events to your back end.</EmptyNote>;
  const { stats, deadLetters } = data;
  const retry = async (body: { ids: string[] } | { all: true }) => {
    setResult('');
    setRetryError(undefined);
    try {
      const { retried } = await post<{ retried: number }>('webhook_retry', body);
      setResult(`${retried} event${retried === 1 ? '' : 's'} back in line for delivery.`);
      refresh();
    } catch (err) {
      setRetryError(describeError(err));
    }
  };
  return (
    <>
      <dl className="pairs card" aria-label="Webhook delivery">
        <dt>Receiver</dt><dd className="mono">{stats.url}</dd>
        <dt>Waiting</dt><dd data-testid="webhooks-pending">{stats.pending}</dd>
        <dt>Oldest waiting since</dt><dd>{time(stats.oldest_pending_at)}</dd>
        <dt>Dead letters</dt><dd data-testid="webhooks-dead">{stats.dead}</dd>
        <dt>Delivered / failed attempts (this node)</dt><dd>{stats.delivered} / {stats.failed_attempts}</dd>
      </dl>
      <p className="note" role="status">{result}</p>
      {retryError && <ErrorNote>Could not retry: {retryError}</ErrorNote>}
      {deadLetters.items.length === 0 ? (
        <EmptyNote>No dead letters: every event was delivered or is still being retried.</EmptyNote>
      ) : (
        <>
          <button type="button" onClick={() => void retry({ all: true })}>Retry all dead letters</button>
          <TableScroll label="Dead letters">
            <table>
              <caption>Events whose retry period ran out, newest first</caption>
              <HeaderRow columns={['Given up at', 'Event', 'User', 'Attempts', 'Last error', 'Id', '']} />
              <tbody>
                {deadLetters.items.map((d) => (
                  <tr key={d.id}>
                    <td>{time(d.dead_at)}</td>
                    <th scope="row" className="mono">{d.type}</th>
                    <td>{d.user || '(anonymous)'}</td>
                    <td>{d.attempts}</td>
                    <td>{d.last_error ?? '–'}</td>
                    <td className="mono">{d.id}</td>
                    <td>
                      <button type="button" className="secondary" aria-label={`Retry ${d.type} of ${d.user || 'anonymous'} (${d.id})`} onClick={() => void retry({ ids: [d.id] })}>
                        Retry
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
    </>
  );
}

export function WebhooksView() {
  return (
    <>
      <p className="hint">
        Who is online across the cluster (the <code>user_status</code> API), and the lifecycle webhooks sent to your back end: what waits in the
        outbox and the dead letters whose retry period ran out, which you can put back in line.
      </p>
      <h2>Users online</h2>
      <OnlineUsers />
      <h2>Outbox and dead letters</h2>
      <DeadLetters />
    </>
  );
}
