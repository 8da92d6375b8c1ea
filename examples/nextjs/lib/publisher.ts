import type { NextApiResponse } from 'next';
import { serverEnv } from './session';

/** Forwards a call to the demo back end (examples/publisher in `--serve` mode) and relays its answer. */
export async function relayToPublisher(response: NextApiResponse, path: string, init: RequestInit = {}): Promise<void> {
  response.setHeader('Cache-Control', 'no-store');
  try {
    const reply = await fetch(`${serverEnv('PUBLISHER_URL')}${path}`, { ...init, headers: { 'Content-Type': 'application/json' } });
    response.status(reply.status).json(await reply.json());
  } catch (error) {
    console.error(JSON.stringify({ event: 'publisher_unreachable', path, error: (error as Error).message }));
    response.status(502).json({ error: 'the demo back end (examples/publisher --serve) is not reachable' });
  }
}
