import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/mint.js';
import { newClient, once } from './support/client.js';
import { gatewayPool } from './support/gateway.js';

/** Centrifugo's `client.subscription_token`: subscription tokens have keys of their own. */

const SUBSCRIPTION_SECRET = 'subscription-secret-subscription-secret';
const gatewayWith = gatewayPool(afterAll);

describe('client.subscription_token', () => {
  it('verifies subscription tokens with its own secret, and no longer with the connection secret', async () => {
    const gw = await gatewayWith({ client: { subscription_token: { enabled: true, hmac_secret_key: SUBSCRIPTION_SECRET } } });
    const client = newClient(gw.url, { token: await gw.token('alice') });
    client.connect();
    await client.ready(3000);

    const own = client.newSubscription('$private:own', { token: await mintToken(SUBSCRIPTION_SECRET, { user: 'alice', channel: '$private:own' }) });
    own.subscribe();
    await own.ready(3000);

    const withConnectionSecret = client.newSubscription('$private:other', { token: await gw.subscriptionToken('alice', '$private:other') });
    // 103 permission denied is final: the SDK gives the subscription up with that code.
    const refused = once<{ code: number }>(withConnectionSecret, 'unsubscribed');
    withConnectionSecret.subscribe();
    expect((await refused).code).toBe(103);
    client.disconnect();
  });

  it('leaves the connection secret in charge of both kinds when off', async () => {
    const gw = await gatewayWith();
    const client = newClient(gw.url, { token: await gw.token('bob') });
    client.connect();
    const sub = client.newSubscription('$private:room', { token: await gw.subscriptionToken('bob', '$private:room') });
    sub.subscribe();
    await sub.ready(3000);
    client.disconnect();
  });
});
