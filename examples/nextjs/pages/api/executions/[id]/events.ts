import type { NextApiRequest, NextApiResponse } from 'next';
import { relayToPublisher } from '../../../../lib/publisher';

/** The full event log of a run: what the page reloads when the channel could not recover (`recovered: false`). */
export default async function executionEvents(request: NextApiRequest, response: NextApiResponse) {
  const id = String(request.query.id ?? '');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return response.status(400).json({ error: 'bad execution id' });
  await relayToPublisher(response, `/runs/${encodeURIComponent(id)}/events`);
}
