import { createElement, Suspense } from 'react';
import { renderToString } from 'react-dom/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../server/test/support/gateway.js';
import { RealtimeProvider, useConnectionState, useNotifications, useSubscription, useSuspenseNotifications } from '../src/index.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());

function SuspendedInbox() {
  const inbox = useSuspenseNotifications('alice');
  return createElement('span', null, String(inbox.unreadCount));
}

function Page() {
  const connection = useConnectionState();
  const sub = useSubscription('news:ssr');
  const inbox = useNotifications('alice');
  return createElement(
    'p',
    null,
    `${connection.status}/${sub.status}/${inbox.loading ? 'loading' : 'ready'}`,
    createElement(Suspense, { fallback: createElement('i', null, 'inbox later') }, createElement(SuspendedInbox)),
  );
}

it('renders on the server without opening a socket or calling getToken', async () => {
  let tokenCalls = 0;
  const html = renderToString(
    createElement(RealtimeProvider, {
      url: gw.url,
      getToken: async () => {
        tokenCalls++;
        return gw.token('alice');
      },
      children: createElement(Page),
    }),
  );
  // The Suspense hook has nothing to wait for on the server: its fallback is sent, the browser renders it.
  expect(html).toMatch(/^<p>disconnected\/unsubscribed\/loading<!--\$!-->.*<i>inbox later<\/i><!--\/\$--><\/p>$/s);
  expect(html).toContain('useSuspenseNotifications waits for the browser&#x27;s connection');
  await new Promise((r) => setTimeout(r, 100));
  expect(tokenCalls).toBe(0);
  const info = await gw.api<{ nodes: Array<{ num_clients: number }> }>('info', {});
  expect(info.nodes[0]!.num_clients).toBe(0);
});
