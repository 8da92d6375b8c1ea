'use client';
import { useState } from 'react';

/** How a run is started: through the app's API to the demo publisher (the default), or another back end. */
export interface RunStarter {
  /** Starts a run and resolves with its id; rejects with a message for the user. */
  start(request: { steps: number; failAt?: number }): Promise<string>;
  /** Whether this back end can fail a run on purpose (the "Fail at step" choice). */
  canFail: boolean;
}

const publisherStarter: RunStarter = {
  canFail: true,
  async start({ steps, failAt }) {
    const response = await fetch('/api/executions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ steps, stepDelayMs: 700, ...(failAt ? { failAt } : {}) }),
    });
    const body = (await response.json()) as { id?: string; error?: string };
    if (!response.ok || !body.id) throw new Error(body.error ?? `HTTP ${response.status}`);
    return body.id;
  },
};

/** Starts a simulated agent-team run, then opens its page with `navigate` (the router's push). */
export function StartRun({ navigate, starter = publisherStarter }: { navigate: (path: string) => unknown; starter?: RunStarter }) {
  const [failAt, setFailAt] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function start() {
    setError(null);
    try {
      const id = await starter.start({ steps: 6, ...(failAt ? { failAt: Number(failAt) } : {}) });
      await navigate(`/executions/${id}`);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }
  return (
    <section>
      <h1>Agent team runs</h1>
      <p>Start a run; its progress arrives live on the <code>execution:&lt;id&gt;</code> channel, and you get a notification when it ends.</p>
      {starter.canFail && (
        <>
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
        </>
      )}
      <button type="button" onClick={() => void start()}>
        Start a run
      </button>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
