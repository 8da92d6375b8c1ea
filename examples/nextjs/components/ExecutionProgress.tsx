'use client';
import { useChannelState, useSubscription, type StreamPosition } from '@renum-realtime/react';
import { useCallback, useMemo } from 'react';
import { eventsReducer, mergeEvents, summarize, type ExecutionEvent } from '../lib/execution';

export interface ExecutionSnapshot {
  /** The run's log as the server read it, and the channel position it read it at. */
  events: ExecutionEvent[];
  position: StreamPosition;
}

const none: ReadonlyMap<number, ExecutionEvent> = new Map();

/**
 * A run's live state from `execution:<id>`. The channel recovers missed events across reconnects;
 * when it cannot (first subscribe, or the gateway restarted and lost history: `recovered: false`)
 * the page reloads the run's log from the back end. Events merge by `seq`, so nothing shows twice.
 * With `snapshot` (server rendering, App Router) it starts from the rendered log and subscribes
 * from its position: no flash, no reload, and the events in between arrive once. `eventsUrl`
 * serves the log (`{ events }`), by default this app's `/api/executions/<id>/events`.
 */
export function ExecutionProgress({ id, snapshot, eventsUrl }: { id: string; snapshot?: ExecutionSnapshot; eventsUrl?: string }) {
  const load = useCallback(async () => {
    const response = await fetch(eventsUrl ?? `/api/executions/${encodeURIComponent(id)}/events`, { cache: 'no-store' });
    if (response.status === 404) return none;
    if (!response.ok) throw Object.assign(new Error(`events API answered ${response.status}`), { code: response.status });
    return mergeEvents(none, ((await response.json()) as { events: unknown[] }).events);
  }, [id, eventsUrl]);
  const initial = useMemo(() => (snapshot ? { state: mergeEvents(none, snapshot.events), position: snapshot.position } : undefined), [snapshot]);
  const channel = useChannelState(`execution:${id}`, eventsReducer, none, { load, ...(initial ? { snapshot: initial } : {}) });
  // The same subscription (its effect runs after useChannelState's, which owns the options), read for a refusal.
  const subscription = useSubscription(`execution:${id}`);
  const view = useMemo(() => summarize(channel.state), [channel.state]);
  return (
    <section className="execution" data-testid="execution" data-status={view.status} data-ready={channel.ready}>
      <header>
        <h1>Run {id}</h1>
        <span className={`status ${view.status}`} data-testid="execution-status">
          {view.status}
        </span>
      </header>
      <div className="progress" role="progressbar" aria-label={`Run ${id} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={view.progress} data-testid="progress">
        <div style={{ width: `${view.progress}%` }} />
      </div>
      <p>
        {view.progress}% · step {view.currentStep ?? '–'} of {view.totalSteps ?? '–'}
        {!channel.ready && !subscription.error && <span className="muted"> · loading</span>}
      </p>
      {subscription.error && (
        <p className="error" role="alert" data-testid="execution-refused">
          You cannot follow this run: {subscription.error.message} (code {subscription.error.code}).
        </p>
      )}
      {channel.error && <p className="error">Could not load the run history: {channel.error.message}</p>}
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
