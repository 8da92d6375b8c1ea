import { get, type OverviewResponse } from '../api';
import { RateChart } from '../components/RateChart';
import { ErrorNote, Loading, TableScroll, HeaderRow } from '../components/Status';
import { usePoll } from '../components/usePoll';

const REFRESH_MS = 2_000;

function Tile({ label, value, id }: { label: string; value: number | string; id: string }) {
  return (
    <div className="tile">
      <dt id={`${id}-label`}>{label}</dt>
      <dd aria-labelledby={`${id}-label`} data-testid={id}>
        {value}
      </dd>
    </div>
  );
}

export function OverviewView() {
  const { data, error } = usePoll(() => get<OverviewResponse>('overview'), REFRESH_MS);
  if (!data) return error ? <ErrorNote>Could not load the overview: {error}</ErrorNote> : <Loading />;
  const { totals, samples, nodes } = data;
  const last = samples.at(-1);
  return (
    <>
      {error && <ErrorNote>Showing older data: {error}</ErrorNote>}
      <dl className="tiles">
        <Tile id="stat-nodes" label="Nodes" value={totals.nodes} />
        <Tile id="stat-connections" label="Connections" value={totals.connections} />
        <Tile id="stat-users" label="Users" value={totals.users} />
        <Tile id="stat-channels" label="Channels" value={totals.channels} />
        <Tile id="stat-subscriptions" label="Subscriptions" value={totals.subscriptions} />
        <Tile id="stat-in" label="Messages in/s" value={last?.in ?? '–'} />
        <Tile id="stat-out" label="Messages out/s" value={last?.out ?? '–'} />
      </dl>
      <h2>Messages per second</h2>
      <RateChart samples={samples} now={last?.t ?? Date.now()} />
      <h2>Nodes</h2>
      <TableScroll label="Nodes">
        <table>
          <HeaderRow columns={['Name', 'Version', 'Uptime', 'Connections', 'Users', 'Channels', 'Subscriptions']} />
          <tbody>
            {nodes.map((node) => (
              <tr key={node.uid}>
                <th scope="row">{node.name}</th>
                <td>{node.version}</td>
                <td>{Math.floor(node.uptimeSeconds / 60)} min</td>
                <td>{node.connections}</td>
                <td>{node.users}</td>
                <td>{node.channels}</td>
                <td>{node.subscriptions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
