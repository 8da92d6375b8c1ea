import { createServer } from 'node:http';

function send(response, status, body) {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

async function readJson(request) {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 64 * 1024) throw Object.assign(new Error('body too large'), { status: 413 });
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw Object.assign(new Error('body is not JSON'), { status: 400 });
  }
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The simulated back end over HTTP, for the Next.js demo: POST /runs starts a run,
 * GET /runs/:id/events returns its full log, POST /notifications sends one to a user's inbox.
 */
export function createPublisherServer(runs, gateway, log) {
  return createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://publisher');
    try {
      const eventsMatch = url.pathname.match(/^\/runs\/([^/]+)\/events$/);
      if (request.method === 'GET' && eventsMatch) {
        const events = runs.events(decodeURIComponent(eventsMatch[1]));
        return events ? send(response, 200, { events }) : send(response, 404, { error: 'unknown run' });
      }
      if (request.method === 'POST' && url.pathname === '/runs') {
        const body = await readJson(request);
        const id = String(body.id ?? Date.now().toString(36));
        if (!RUN_ID.test(id)) return send(response, 400, { error: 'id must match [A-Za-z0-9_-]{1,64}' });
        const steps = Number(body.steps ?? 6);
        if (!Number.isInteger(steps) || steps < 1 || steps > 100) return send(response, 400, { error: 'steps must be an integer 1..100' });
        const run = runs.start({
          id,
          steps,
          failAt: body.failAt == null ? null : Number(body.failAt),
          stepDelayMs: Math.min(Math.max(Number(body.stepDelayMs ?? 400), 0), 10_000),
          notifyUser: typeof body.notifyUser === 'string' ? body.notifyUser : null,
        });
        run.done.catch((error) => log(`run ${id} stopped: ${error.message}`));
        return send(response, 201, { id });
      }
      if (request.method === 'POST' && url.pathname === '/notifications') {
        const { user, ...notification } = await readJson(request);
        if (typeof user !== 'string' || !user) return send(response, 400, { error: 'user is required' });
        return send(response, 200, { result: await gateway.sendNotification(user, notification) });
      }
      send(response, 404, { error: 'not found' });
    } catch (error) {
      log(`${request.method} ${url.pathname}: ${error.message}`);
      send(response, error.status && error.status < 500 ? error.status : 502, { error: error.message, code: error.code });
    }
  });
}
