import { get } from '../api';
import { ErrorNote, Loading } from '../components/Status';
import { usePoll } from '../components/usePoll';

export function ConfigView() {
  const { data, error } = usePoll(() => get<{ config: unknown }>('config'), 0);
  if (!data) return error ? <ErrorNote>Could not load the config: {error}</ErrorNote> : <Loading />;
  return (
    <>
      <p className="hint">The configuration this node runs with, after defaults and environment variables. Secrets show as &lt;redacted&gt;.</p>
      <pre className="card config" tabIndex={0} aria-label="Resolved configuration">{JSON.stringify(data.config, null, 2)}</pre>
    </>
  );
}
