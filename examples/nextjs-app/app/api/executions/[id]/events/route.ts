import { callPublisher } from '../../../../../../nextjs/lib/publisher';

export const dynamic = 'force-dynamic';

/** The full event log of a run: what the page reloads when the channel could not recover (`recovered: false`). */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return Response.json({ error: 'bad execution id' }, { status: 400 });
  const reply = await callPublisher(`/runs/${encodeURIComponent(id)}/events`);
  return Response.json(reply.body, { status: reply.status, headers: { 'Cache-Control': 'no-store' } });
}
