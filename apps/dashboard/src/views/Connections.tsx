import { useState } from 'react';
import { describeError, get, post, type ConnectionFilter, type ConnectionSummary } from '../api';
import { EmptyNote, ErrorNote, Loading, TableScroll, formatBytes, formatTime, HeaderRow } from '../components/Status';
import { usePoll } from '../components/usePoll';

const REFRESH_MS = 3_000;

/** Close codes an operator may send, with what the official client does after each. */
const DISCONNECT_CODES = [
  { code: 3503, label: '3503 force disconnect: client stops' },
  { code: 3011, label: '3011 force reconnect: client reconnects' },
  { code: 3504, label: '3504 connection limit: client stops' },
  { code: 3507, label: '3507 permission denied: client stops' },
  { code: 4000, label: '4000 custom: client reconnects' },
  { code: 4999, label: '4999 custom: client stops' },
];

const FIELDS: Array<{ key: keyof ConnectionFilter; label: string }> = [
  { key: 'user', label: 'User' },
  { key: 'channel', label: 'Channel' },
  { key: 'origin', label: 'Origin' },
  { key: 'client', label: 'Client id' },
];

function Details({ connection, onDone }: { connection: ConnectionSummary; onDone: (message: string) => void }) {
  const [code, setCode] = useState(DISCONNECT_CODES[0]!.code);
  const [error, setError] = useState<string>();
  const id = `details-${connection.client}`;
  const disconnect = async () => {
    setError(undefined);
    try {
      await post('disconnect', { client: connection.client, user: connection.user, code });
      onDone(`Disconnected ${connection.user || 'anonymous'} (${connection.client}) with code ${code}.`);
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <div className="details" id={id}>
      <dl className="pairs">
        <dt>Client id</dt><dd>{connection.client}</dd>
        <dt>User</dt><dd>{connection.user || '(anonymous)'}</dd>
        <dt>Connected since</dt><dd>{formatTime(connection.connectedAt)}</dd>
        <dt>Origin</dt><dd>{connection.origin ?? '(none sent)'}</dd>
        <dt>User agent</dt><dd>{connection.userAgent ?? '(none sent)'}</dd>
        <dt>Address</dt><dd>{connection.remoteAddress ?? '–'}</dd>
        <dt>Node</dt><dd>{connection.node}</dd>
        <dt>Subscriptions</dt><dd>{connection.subscriptions.length ? connection.subscriptions.join(', ') : '(none)'}</dd>
        <dt>Bytes in / out</dt><dd>{formatBytes(connection.bytesIn)} / {formatBytes(connection.bytesOut)}</dd>
      </dl>
      <div className="row">
        <label htmlFor={`${id}-code`}>Close code</label>
        <select id={`${id}-code`} value={code} onChange={(e) => setCode(Number(e.target.value))}>
          {DISCONNECT_CODES.map((c) => (
            <option key={c.code} value={c.code}>{c.label}</option>
          ))}
        </select>
        <button type="button" className="danger" onClick={() => void disconnect()}>
          Disconnect
        </button>
      </div>
      {error && <ErrorNote>Could not disconnect: {error}</ErrorNote>}
    </div>
  );
}

export function ConnectionsView() {
  const [filter, setFilter] = useState<ConnectionFilter>({});
  const [open, setOpen] = useState<string>();
  const [notice, setNotice] = useState('');
  const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString();
  const { data, error, refresh } = usePoll(() => get<{ connections: ConnectionSummary[] }>(`connections?${query}`), REFRESH_MS, query);
  const connections = data?.connections;

  return (
    <>
      <form className="card search" role="search" aria-label="Search connections" onSubmit={(e) => e.preventDefault()}>
        {FIELDS.map(({ key, label }) => (
          <div className="field" key={key}>
            <label htmlFor={`search-${key}`}>{label}</label>
            <input id={`search-${key}`} type="search" value={filter[key] ?? ''} onChange={(e) => setFilter({ ...filter, [key]: e.target.value })} />
          </div>
        ))}
      </form>
      <p className="note" role="status">{notice}</p>
      {error && <ErrorNote>Could not load connections: {error}</ErrorNote>}
      {!connections ? (
        !error && <Loading />
      ) : connections.length === 0 ? (
        <EmptyNote>{query ? 'No connection matches this search.' : 'No client is connected to this gateway.'}</EmptyNote>
      ) : (
        <TableScroll label="Connections">
          <table>
            <caption>
              <span data-testid="connection-count">{connections.length}</span> connection{connections.length === 1 ? '' : 's'}
            </caption>
            <HeaderRow columns={['User', 'Client id', 'Transport', 'Origin', 'Connected since', 'Subscriptions', 'Details']} />
            <tbody>
              {connections.map((c) => (
                <tr key={c.client} data-client={c.client}>
                  <th scope="row">{c.user || '(anonymous)'}</th>
                  <td className="mono">{c.client}</td>
                  <td className="mono">{c.transport}</td>
                  <td>{c.origin ?? '–'}</td>
                  <td>{formatTime(c.connectedAt)}</td>
                  <td>{c.subscriptions.length}</td>
                  <td>
                    <button type="button" className="secondary" aria-expanded={open === c.client} aria-controls={open === c.client ? `details-${c.client}` : undefined} onClick={() => setOpen(open === c.client ? undefined : c.client)}>
                      {open === c.client ? 'Hide' : 'Show'}<span className="visually-hidden"> details of {c.client}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {open && connections?.some((c) => c.client === open) && (
        <section aria-label="Connection details" className="card">
          <h2>Connection details</h2>
          <Details
            connection={connections.find((c) => c.client === open)!}
            onDone={(message) => {
              setNotice(message);
              setOpen(undefined);
              refresh();
            }}
          />
        </section>
      )}
    </>
  );
}
