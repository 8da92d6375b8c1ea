import { get, type Rejection } from '../api';
import { EmptyNote, ErrorNote, Loading, TableScroll, formatTime, HeaderRow } from '../components/Status';
import { usePoll } from '../components/usePoll';

const REFRESH_MS = 3_000;

const KINDS: Record<Rejection['kind'], string> = {
  handshake: 'Handshake refused',
  connect: 'Connect refused',
  disconnect: 'Disconnected',
  proxy: 'Back end proxy failed',
};

export function RejectionsView() {
  const { data, error } = usePoll(() => get<{ rejections: Array<Rejection & { node: string }> }>('rejections'), REFRESH_MS);
  const rows = data?.rejections;
  return (
    <>
      <p className="hint">
        Refused WebSocket handshakes (e.g. <code>origin_not_allowed</code>), refused tokens (<code>token_expired</code>, <code>bad_signature</code>) and
        connections the gateway closed, and event proxies your back end did not answer, newest first. When a user cannot connect, look here first.
      </p>
      {error && <ErrorNote>Could not load rejections: {error}</ErrorNote>}
      {!rows ? (
        !error && <Loading />
      ) : rows.length === 0 ? (
        <EmptyNote>Nothing refused or cut off since this node started.</EmptyNote>
      ) : (
        <TableScroll label="Rejections">
          <table>
            <caption>{rows.length} recent rejection{rows.length === 1 ? '' : 's'}</caption>
            <HeaderRow columns={['Time', 'What', 'Reason', 'Code', 'Origin', 'User', 'Address', 'Detail']} />
            <tbody>
              {rows.map((r, i) => (
                <tr key={`${r.at}-${i}`}>
                  <td>{formatTime(r.at)}</td>
                  <td>{KINDS[r.kind]}</td>
                  <th scope="row" className="mono">{r.reason}</th>
                  <td>{r.code ?? '–'}</td>
                  <td>{r.origin ?? '–'}</td>
                  <td>{r.user ?? '–'}</td>
                  <td>{r.remoteAddress ?? '–'}</td>
                  <td>{r.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
