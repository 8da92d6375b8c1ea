import { callPublisher } from '../../../../nextjs/lib/publisher';
import { currentUser } from '../../../lib/server';

/** Starts a simulated agent-team run for the signed-in user (notified when it ends). */
export async function POST(request: Request) {
  const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
  const { steps, failAt, stepDelayMs, id } = body;
  const reply = await callPublisher('/runs', { method: 'POST', body: JSON.stringify({ id, steps, failAt, stepDelayMs, notifyUser: await currentUser() }) });
  return Response.json(reply.body, { status: reply.status, headers: { 'Cache-Control': 'no-store' } });
}
