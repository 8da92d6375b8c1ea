import type { NextApiResponse } from 'next';
import { serverEnv } from './session';

/** Calls the demo back end (examples/publisher in `--serve` mode); a 502 answer when it is not reachable. */
export async function callPublisher(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  try {
    const reply = await fetch(`${serverEnv('PUBLISHER_URL')}${path}`, { ...init, headers: { 'Content-Type': 'application/json' }, cache: 'no-store' });
    return { status: reply.status, body: await reply.json() };
  } catch (error) {
    console.error(JSON.stringify({ event: 'publisher_unreachable', path, error: (error as Error).message }));
    return { status: 502, body: { error: 'the demo back end (examples/publisher --serve) is not reachable' } };
  }
}

/** Forwards a call to the demo back end and relays its answer (pages router API routes). */
export async function relayToPublisher(response: NextApiResponse, path: string, init: RequestInit = {}): Promise<void> {
  response.setHeader('Cache-Control', 'no-store');
  const reply = await callPublisher(path, init);
  response.status(reply.status).json(reply.body);
}
