/** The events Renum's execution engine publishes on `execution:<id>` (see examples/publisher/runs.mjs). */
export interface ExecutionUpdate {
  type: 'execution_update';
  seq: number;
  execution_id: string;
  event_type: 'execution_started' | 'plan_created' | 'execution_progress' | 'execution_completed' | 'execution_failed';
  data: { status?: string; progress?: number; current_step?: number; total_steps?: number; error?: string; message?: string };
  timestamp: string;
}

export interface StepUpdate {
  type: 'step_update';
  seq: number;
  execution_id: string;
  agent_id: string;
  event_type: 'step_started' | 'step_completed' | 'step_failed';
  data: { status: string; step_order: number; result?: string; error?: string; message?: string };
  timestamp: string;
}

export type ExecutionEvent = ExecutionUpdate | StepUpdate;

export interface ExecutionView {
  status: string;
  progress: number;
  currentStep: number | null;
  totalSteps: number | null;
  errors: string[];
  steps: StepUpdate[];
  lastSeq: number;
}

export function isExecutionEvent(value: unknown): value is ExecutionEvent {
  const event = value as ExecutionEvent | null;
  return !!event && typeof event.seq === 'number' && (event.type === 'execution_update' || event.type === 'step_update');
}

/** Events keyed by `seq`: the live stream and a reloaded log merge without duplicates. */
export function mergeEvents(known: ReadonlyMap<number, ExecutionEvent>, incoming: readonly unknown[]): ReadonlyMap<number, ExecutionEvent> {
  const fresh = incoming.filter(isExecutionEvent).filter((e) => !known.has(e.seq));
  if (fresh.length === 0) return known;
  const next = new Map(known);
  for (const event of fresh) next.set(event.seq, event);
  return next;
}

/** `useChannelState`'s reducer: one publication of `execution:<id>` into the events by seq. */
export function eventsReducer(known: ReadonlyMap<number, ExecutionEvent>, publication: { data: unknown }): ReadonlyMap<number, ExecutionEvent> {
  return mergeEvents(known, [publication.data]);
}

export function summarize(events: ReadonlyMap<number, ExecutionEvent>): ExecutionView {
  const view: ExecutionView = { status: 'waiting', progress: 0, currentStep: null, totalSteps: null, errors: [], steps: [], lastSeq: 0 };
  for (const event of [...events.values()].sort((a, b) => a.seq - b.seq)) {
    view.lastSeq = event.seq;
    if (event.type === 'step_update') {
      view.steps.push(event);
      view.currentStep = event.data.step_order;
      if (event.data.error) view.errors.push(event.data.error);
      continue;
    }
    const { data } = event;
    if (data.status) view.status = data.status;
    if (data.progress !== undefined) view.progress = data.progress;
    if (data.current_step !== undefined) view.currentStep = data.current_step;
    if (data.total_steps !== undefined) view.totalSteps = data.total_steps;
    if (event.event_type === 'execution_failed' && data.error && !view.errors.includes(data.error)) view.errors.push(data.error);
  }
  return view;
}
