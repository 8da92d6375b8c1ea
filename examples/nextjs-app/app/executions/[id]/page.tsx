import { notFound } from 'next/navigation';
import { ExecutionProgress, type ExecutionSnapshot } from '../../../../nextjs/components/ExecutionProgress';
import { isExecutionEvent } from '../../../../nextjs/lib/execution';
import { callPublisher } from '../../../../nextjs/lib/publisher';
import { gatewayApi, orUndefined } from '../../../lib/server';

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A Server Component: reads the channel's stream position from the server API first, then the
 * run's log from the back end, and renders the run. The client component subscribes from that
 * position, so what was published after it arrives once (merged by `seq` with the log, which may
 * already hold it) and the page never flashes empty.
 */
async function snapshotOf(id: string): Promise<ExecutionSnapshot | undefined> {
  return orUndefined(`execution ${id}`, async () => {
    const { offset, epoch } = await gatewayApi().history(`execution:${id}`, { limit: 0 });
    const log = await callPublisher(`/runs/${encodeURIComponent(id)}/events`);
    const events = log.status === 200 ? ((log.body as { events: unknown[] }).events ?? []).filter(isExecutionEvent) : [];
    if (log.status !== 200 && log.status !== 404) throw new Error(`run log answered ${log.status}`);
    return { events, position: { offset, epoch } };
  });
}

export default async function ExecutionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!RUN_ID.test(id)) notFound();
  const snapshot = await snapshotOf(id);
  return <ExecutionProgress key={id} id={id} {...(snapshot ? { snapshot } : {})} />;
}
