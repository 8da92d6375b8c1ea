import { useSubscription } from '@renum-realtime/react';
import { useCallback, useMemo, useState } from 'react';
import { mergeEvents, summarize, type ExecutionEvent } from '../lib/execution';

/**
 * A run's live state from `execution:<id>`. The channel recovers missed events across reconnects;
 * when it cannot (first subscribe, or the gateway restarted and lost history: `recovered: false`)
 * the page reloads the run's log from the back end. Events merge by `seq`, so nothing shows twice.
 */
export function ExecutionProgress({ id }: { id: string }) {
  const [events, setEvents] = useState<ReadonlyMap<number, ExecutionEvent>>(new Map());
  const [loadError, setLoadError] = useState<string | null>(null);
  const add = useCallback((incoming: unknown[]) => setEvents((known) => mergeEvents(known, incoming)), []);
  const reload = useCallback(async () => {
    try {
      const response = await fetch(`/api/executions/${encodeURIComponent(id)}/events`, { cache: 'no-store' });
      if (response.status === 404) return;
      if (!response.ok) throw new Error(`events API answered ${response.status}`);
      add(((await response.json()) as { events: unknown[] }).events);
      setLoadError(null);
    } catch (error) {
      setLoadError((error as Error).message);
    }
  }, [id, add]);
  const subscription = useSubscription(`execution:${id}`, {
    recover: true,
    onPublication: (ctx) => add([ctx.data]),
    onSubscribed: (ctx) => {
      if (!ctx.recovered) void reload();
    },
  });
  const view = useMemo(() => summarize(events), [events]);
  return (
    <section className="execution" data-testid="execution" data-status={view.status}>
      <header>
        <h1>Run {id}</h1>
        <span className={`status ${view.status}`} data-testid="execution-status">
          {view.status}
        </span>
      </header>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={view.progress} data-testid="progress">
        <div style={{ width: `${view.progress}%` }} />
      </div>
      <p>
        {view.progress}% · step {view.currentStep ?? '–'} of {view.totalSteps ?? '–'}
        {subscription.status !== 'subscribed' && <span className="muted"> · {subscription.status}</span>}
        {subscription.error && <span className="error"> · channel error {subscription.error.code}: {subscription.error.message}</span>}
      </p>
      {loadError && <p className="error">Could not load the run history: {loadError}</p>}
      {view.errors.length > 0 && (
        <div className="errors" role="alert" data-testid="execution-errors">
          {view.errors.map((error) => (
            <p key={error}>{error}</p>
          ))}
        </div>
      )}
      <ol className="steps" data-testid="step-list">
        {view.steps.map((step) => (
          <li key={step.seq} className={step.data.status} data-seq={step.seq}>
            <span className="agent">{step.agent_id}</span> step {step.data.step_order}: {step.event_type.replace('step_', '')}
            {step.data.error ? ` — ${step.data.error}` : ''}
          </li>
        ))}
      </ol>
    </section>
  );
}
