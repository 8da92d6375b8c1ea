import { get, type FallbackSummary } from '../api';
import { EmptyNote, ErrorNote, Loading, TableScroll, formatTime, HeaderRow } from '../components/Status';
import { usePoll } from '../components/usePoll';

const REFRESH_MS = 5_000;

const REASONS: Record<string, string> = {
  timeout: 'did not open in time',
  transport_closed: 'closed before it opened',
  error: 'failed',
};

export function TransportsView() {
  const { data, error } = usePoll(() => get<{ fallbacks: FallbackSummary[] }>('fallbacks'), REFRESH_MS);
  const rows = data?.fallbacks;
  return (
    <>
      <p className="hint">
        Clients that could not use their first transport and connected over the next one, as their browsers reported it.
        Many WebSocket fallbacks from one network usually mean a proxy or middlebox that drops the <code>Upgrade</code> header.
      </p>
      {error && <ErrorNote>Could not load transport fallbacks: {error}</ErrorNote>}
      {!rows ? (
        !error && <Loading />
      ) : rows.length === 0 ? (
        <EmptyNote>No client has fallen back from one transport to another since the nodes started.</EmptyNote>
      ) : (
        <TableScroll label="Transport fallbacks">
          <table>
            <caption>{rows.length} kind{rows.length === 1 ? '' : 's'} of fallback</caption>
            <HeaderRow columns={['From', 'To', 'Why the first one', 'Clients', 'Last report', 'Time to fall back']} />
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.from}-${r.to}-${r.reason}`}>
                  <th scope="row" className="mono">{r.from}</th>
                  <td className="mono">{r.to}</td>
                  <td>{REASONS[r.reason] ?? r.reason}</td>
                  <td>{r.count}</td>
                  <td>{formatTime(r.lastAt)}</td>
                  <td>{(r.lastElapsedMs / 1000).toFixed(1)} s</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
