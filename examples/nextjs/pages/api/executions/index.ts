import type { NextApiRequest, NextApiResponse } from 'next';
import { relayToPublisher } from '../../../lib/publisher';
import { signedInUser } from '../../../lib/session';

/** Starts a simulated agent-team run for the signed-in user (notified when it ends). */
export default async function startExecution(request: NextApiRequest, response: NextApiResponse) {
  if (request.method !== 'POST') return response.status(405).json({ error: 'use POST' });
  const { steps, failAt, stepDelayMs, id } = (request.body ?? {}) as Record<string, unknown>;
  await relayToPublisher(response, '/runs', {
    method: 'POST',
    body: JSON.stringify({ id, steps, failAt, stepDelayMs, notifyUser: signedInUser(request) }),
  });
}
