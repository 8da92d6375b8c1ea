import { withRetry } from './gateway-api.mjs';

const AGENTS = ['planner', 'researcher', 'writer'];

/**
 * An agent-team run as Renum's execution engine reports it: `execution_update` and `step_update`
 * frames (renum-backend `team_orchestrator`), published on `execution:<id>`. Each event carries a
 * per-run `seq` so a client can merge the live stream with the stored log without gaps or duplicates.
 */
export function planRun({ id, steps = 6, failAt = null }) {
  const plan = Array.from({ length: steps }, (_, i) => ({ agent_id: AGENTS[i % AGENTS.length], step_order: i + 1 }));
  const events = [];
  const now = () => new Date().toISOString();
  const execution = (event_type, data) => ({ type: 'execution_update', execution_id: id, event_type, data });
  const step = (agent_id, event_type, data) => ({ type: 'step_update', execution_id: id, agent_id, event_type, data });
  events.push(execution('execution_started', { status: 'running', team_id: 'team-demo', workflow_type: 'sequential', message: 'Run started' }));
  events.push(execution('plan_created', { status: 'running', total_steps: steps, estimated_duration: steps * 2, message: `Plan with ${steps} steps` }));
  for (const { agent_id, step_order } of plan) {
    events.push(step(agent_id, 'step_started', { status: 'running', step_order, message: `${agent_id} started step ${step_order}` }));
    if (step_order === failAt) {
      const error = `${agent_id} could not finish step ${step_order}: tool "web_search" timed out`;
      events.push(step(agent_id, 'step_failed', { status: 'failed', step_order, error, message: error }));
      events.push(execution('execution_failed', { status: 'failed', error, current_step: step_order, total_steps: steps, message: 'Run failed' }));
      break;
    }
    events.push(step(agent_id, 'step_completed', { status: 'completed', step_order, result: `output of step ${step_order}`, message: `${agent_id} finished step ${step_order}` }));
    const progress = Math.round((step_order / steps) * 100);
    events.push(execution('execution_progress', { status: 'running', progress, current_step: step_order, step_number: step_order, total_steps: steps, message: `Step ${step_order} of ${steps} done` }));
  }
  if (failAt === null) events.push(execution('execution_completed', { status: 'completed', progress: 100, total_steps: steps, message: 'Run completed' }));
  return events.map((event, i) => ({ ...event, seq: i + 1, timestamp: now() }));
}

/** Runs kept in memory: the full event log of each, what a client reloads after an unrecoverable gap. */
export class RunRegistry {
  runs = new Map();

  constructor(gateway, { log = () => {} } = {}) {
    this.gateway = gateway;
    this.log = log;
  }

  /** Starts publishing a run; resolves when its last event is published. */
  start({ id, steps, failAt = null, stepDelayMs = 400, notifyUser = null }) {
    if (this.runs.has(id)) throw Object.assign(new Error(`run ${id} exists`), { status: 409 });
    const planned = planRun({ id, steps, failAt });
    const run = { id, published: [], done: null };
    this.runs.set(id, run);
    run.done = (async () => {
      for (const event of planned) {
        await new Promise((resolve) => setTimeout(resolve, stepDelayMs));
        const stamped = { ...event, timestamp: new Date().toISOString() };
        // Logged before publishing: a client that reloads the log never misses an event it will not get live.
        run.published.push(stamped);
        await withRetry(() => this.gateway.publish(`execution:${id}`, stamped));
        this.log(`run ${id}: #${stamped.seq} ${stamped.type} ${stamped.event_type}`);
      }
      if (notifyUser) {
        const failed = failAt !== null;
        await withRetry(() =>
          this.gateway.sendNotification(notifyUser, {
            type: failed ? 'execution_failed' : 'execution_completed',
            title: failed ? `Run ${id} failed` : `Run ${id} completed`,
            body: failed ? 'An agent step failed; open the run for details.' : 'All agent steps finished.',
            data: { execution_id: id },
            action: `/executions/${id}`,
          }),
        ).catch((error) => this.log(`run ${id}: notification not sent: ${error.message}`));
      }
    })();
    return run;
  }

  events(id) {
    return this.runs.get(id)?.published ?? null;
  }
}
