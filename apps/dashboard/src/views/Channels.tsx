import { useState } from 'react';
import { get, type ChannelDetails, type ChannelSummary } from '../api';
import { EmptyNote, ErrorNote, Loading, TableScroll, HeaderRow } from '../components/Status';
import { usePoll } from '../components/usePoll';

const REFRESH_MS = 3_000;

function ChannelPanel({ name }: { name: string }) {
  const { data, error } = usePoll(() => get<ChannelDetails>(`channel?name=${encodeURIComponent(name)}`), REFRESH_MS, name);
  if (!data) return error ? <ErrorNote>Could not load {name}: {error}</ErrorNote> : <Loading />;
  return (
    <section className="card" aria-labelledby="channel-heading">
      <h2 id="channel-heading">Channel {data.name}</h2>
      <dl className="pairs">
        <dt>Subscribers</dt>
        <dd>{data.subscribers.length ? data.subscribers.map((s) => `${s.user || '(anonymous)'} · ${s.client}`).join(', ') : '(none)'}</dd>
        <dt>History</dt>
        <dd>{data.history ? `${data.history.size} of ${data.history.limit} kept · offset ${data.history.offset} · epoch ${data.history.epoch || '–'}` : 'off for this channel'}</dd>
        <dt>Presence</dt>
        <dd>{data.presence === null ? 'off for this channel' : data.presence.length ? data.presence.map((p) => `${p.user || '(anonymous)'} · ${p.client}`).join(', ') : '(nobody)'}</dd>
      </dl>
    </section>
  );
}

export function ChannelsView() {
  const [pattern, setPattern] = useState('');
  const [selected, setSelected] = useState<string>();
  const { data, error } = usePoll(() => get<{ channels: ChannelSummary[] }>(`channels?q=${encodeURIComponent(pattern)}`), REFRESH_MS, pattern);
  const channels = data?.channels;

  return (
    <>
      <form className="card search" role="search" aria-label="Search channels" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="channel-search">Channel name contains</label>
          <input id="channel-search" type="search" value={pattern} onChange={(e) => setPattern(e.target.value)} />
        </div>
      </form>
      {error && <ErrorNote>Could not load channels: {error}</ErrorNote>}
      {!channels ? (
        !error && <Loading />
      ) : channels.length === 0 ? (
        <EmptyNote>{pattern ? 'No channel matches.' : 'No channel has a subscriber on this gateway.'}</EmptyNote>
      ) : (
        <TableScroll label="Channels">
          <table>
            <caption>{channels.length} channel{channels.length === 1 ? '' : 's'} with subscribers</caption>
            <HeaderRow columns={['Channel', 'Subscribers', 'Details']} />
            <tbody>
              {channels.map((c) => (
                <tr key={c.name}>
                  <th scope="row" className="mono">{c.name}</th>
                  <td>{c.subscribers}</td>
                  <td>
                    <button type="button" className="secondary" aria-pressed={selected === c.name} onClick={() => setSelected(selected === c.name ? undefined : c.name)}>
                      Inspect<span className="visually-hidden"> {c.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {selected && <ChannelPanel name={selected} />}
    </>
  );
}
