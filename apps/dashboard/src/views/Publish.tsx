import { useEffect, useState, type FormEvent } from 'react';
import { describeError, get, post, type ChannelAudience, type FeaturesResponse } from '../api';
import { ErrorNote } from '../components/Status';

/** Checks the JSON before it is sent; the message says where it breaks. */
function jsonProblem(text: string): string | undefined {
  if (text.trim() === '') return 'Enter the data to publish, as JSON.';
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return `Not valid JSON: ${describeError(error)}`;
  }
}

export function PublishView() {
  const [target, setTarget] = useState<'channel' | 'broadcast'>('channel');
  const [channel, setChannel] = useState('');
  const [data, setData] = useState('{\n  "text": "hello"\n}');
  const [touched, setTouched] = useState(false);
  const [result, setResult] = useState('');
  const [error, setError] = useState<string>();
  const [features, setFeatures] = useState<FeaturesResponse>();
  /** Set when the channel has no client audience: the next submit sends anyway. */
  const [warned, setWarned] = useState<ChannelAudience>();
  useEffect(() => void get<FeaturesResponse>('features').then(setFeatures, () => {}), []);
  const destination = target === 'broadcast' ? features?.broadcastChannel ?? 'broadcast' : channel;
  useEffect(() => setWarned(undefined), [destination]);

  const problem = jsonProblem(data);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    setResult('');
    setError(undefined);
    if (problem) return document.getElementById('publish-data')?.focus();
    try {
      if (warned?.channel !== destination) {
        // Say so before sending when no client could receive it.
        const audience = await get<ChannelAudience>(`audience?channel=${encodeURIComponent(destination)}`);
        if (!audience.clientsMaySubscribe) return setWarned(audience);
      }
      const payload = JSON.parse(data) as unknown;
      const reply = target === 'broadcast'
        ? await post<{ channel: string; offset?: number }>('broadcast', { data: payload })
        : await post<{ offset?: number }>('publish', { channel, data: payload });
      const where = target === 'broadcast' ? `everyone (channel ${features?.broadcastChannel ?? 'broadcast'})` : channel;
      setResult(`Published to ${where}${reply.offset !== undefined ? ` at offset ${reply.offset}` : ''}.`);
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <form className="card" onSubmit={submit} noValidate>
      <fieldset>
        <legend>Send to</legend>
        <label className="inline">
          <input type="radio" name="target" value="channel" checked={target === 'channel'} onChange={() => setTarget('channel')} /> One channel
        </label>
        <label className="inline">
          <input type="radio" name="target" value="broadcast" checked={target === 'broadcast'} onChange={() => setTarget('broadcast')} /> All users
        </label>
        <p className="hint" id="broadcast-hint">
          “All users” publishes once to the broadcast channel <code>{features?.broadcastChannel ?? 'broadcast'}</code>; every client subscribed to it receives it, on every node.
        </p>
      </fieldset>
      {target === 'channel' && (
        <div className="field">
          <label htmlFor="publish-channel">Channel</label>
          <input id="publish-channel" required value={channel} onChange={(e) => setChannel(e.target.value)} />
        </div>
      )}
      <div className="field">
        <label htmlFor="publish-data">Data (JSON)</label>
        <textarea id="publish-data" rows={8} spellCheck={false} value={data} onChange={(e) => setData(e.target.value)} aria-invalid={touched && !!problem} aria-describedby={touched && problem ? 'publish-data-problem' : undefined} />
        {touched && problem && <p id="publish-data-problem" className="field-error">{problem}</p>}
      </div>
      {warned && (
        <p className="field-error" role="alert" id="publish-audience">
          {warned.how} Send it anyway with the button below.
        </p>
      )}
      <button type="submit" aria-describedby={warned ? 'publish-audience' : undefined}>
        {(target === 'broadcast' ? 'Broadcast' : 'Publish') + (warned ? ' anyway' : '')}
      </button>
      <p className="note" role="status">{result}</p>
      {error && <ErrorNote>Could not publish: {error}</ErrorNote>}
    </form>
  );
}
