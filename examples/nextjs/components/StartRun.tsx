'use client';
import { useState } from 'react';

/** Starts a simulated agent-team run through the demo back end, then opens its page with `navigate` (the router's push). */
export function StartRun({ navigate }: { navigate: (path: string) => unknown }) {
  const [failAt, setFailAt] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function start() {
    setError(null);
    const response = await fetch('/api/executions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ steps: 6, stepDelayMs: 700, ...(failAt ? { failAt: Number(failAt) } : {}) }),
    });
    const body = (await response.json()) as { id?: string; error?: string };
    if (!response.ok || !body.id) return setError(body.error ?? `HTTP ${response.status}`);
    await navigate(`/executions/${body.id}`);
  }
  return (
    <section>
      <h1>Agent team runs</h1>
      <p>Start a run; its progress arrives live on the <code>execution:&lt;id&gt;</code> channel, and you get a notification when it ends.</p>
      <label>
        Fail at step{' '}
        <select value={failAt} onChange={(e) => setFailAt(e.target.value)}>
          <option value="">never</option>
          {[1, 2, 3, 4, 5, 6].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" onClick={() => void start()}>
        Start a run
      </button>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
