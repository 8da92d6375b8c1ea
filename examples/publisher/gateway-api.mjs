/**
 * The gateway's server API over plain fetch, as any back end calls it (see README.md for the same
 * calls from Python). `call` throws an Error with `code` on an API error reply.
 */
export function createGatewayApi({ api, key }) {
  if (!api || !key) throw new TypeError('gateway API: --api URL and --key API_KEY are required');
  const base = api.replace(/\/+$/, '');

  async function call(method, body) {
    const response = await fetch(`${base}/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
      body: JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({ error: { code: response.status, message: `HTTP ${response.status}` } }));
    if (json.error) throw Object.assign(new Error(`${method}: ${json.error.message} (code ${json.error.code})`), { code: json.error.code, status: response.status });
    return json.result;
  }

  return {
    call,
    publish: (channel, data) => call('publish', { channel, data }),
    /** Stored in the user's inbox and pushed to their open tabs (issue 4, `notification_send`). */
    sendNotification: (user, notification) => call('notification_send', { user, ...notification }),
    disconnectUser: (user, code, reason) => call('disconnect', { user, disconnect: { code, reason } }),
  };
}

/**
 * Retries while the gateway is unreachable or answers 5xx, so events queued during a restart go
 * out in order once it is back; gives up after `giveUpAfterMs`. API errors (4xx) are not retried.
 */
export async function withRetry(action, { delayMs = 250, giveUpAfterMs = 60_000 } = {}) {
  const deadline = Date.now() + giveUpAfterMs;
  for (;;) {
    try {
      return await action();
    } catch (error) {
      const transient = error.status === undefined || error.status >= 500;
      if (!transient || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
