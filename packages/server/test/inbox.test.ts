import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboxOptions } from '../src/inbox/extension.js';
import { newClient, once, until } from './support/client.js';
import { baseTestConfig, callApi, deepMerge, writeConfigFile, type TestGateway } from './support/gateway.js';
import { INBOX_GATEWAY_SCRIPT, inboxConfig, openTab, postgresBackend, sqliteBackend, startInboxGateway, type Tab } from './support/inbox.js';
import { spawnGateway } from './support/process.js';

/** The same suite against the embedded default and a real PostgreSQL, each test on fresh storage. */
describe.each([sqliteBackend, postgresBackend])('notification inbox on $name', (backend) => {
  let gw: TestGateway;
  let options: InboxOptions;
  let drop: () => Promise<void>;
  const tabs: Tab[] = [];

  beforeEach(async () => {
    ({ options, drop } = await backend.create());
    gw = await startInboxGateway(options).catch(async (error) => {
      await drop();
      throw error;
    });
  });
  afterEach(async () => {
    for (const tab of tabs.splice(0)) tab.client.disconnect();
    try {
      await gw.close();
    } finally {
      await drop();
    }
  });

  const tab = async (user: string): Promise<Tab> => {
    const opened = await openTab(gw, user);
    tabs.push(opened);
    return opened;
  };
  const send = (body: object): Promise<{ id: string }> => gw.api('notification_send', { type: 'run.finished', title: 'Run finished', ...body });
  const apiFailure = (method: string, body: unknown) => gw.api(method, body).then(() => expect.fail(`${method} succeeded`), (error) => error as { code: number; message: string });

  it('keeps a notification sent while the user was offline, unread, with the right counter', async () => {
    const { id } = await send({ user: 'alice', body: 'Agent run 7 is done', data: { run: 7 }, action: '/runs/7' });
    const alice = await tab('alice');
    const page = await alice.rpc('notifications.list');
    expect(page.next_cursor).toBeNull();
    expect(page.items).toEqual([
      expect.objectContaining({ id, type: 'run.finished', title: 'Run finished', body: 'Agent run 7 is done', data: { run: 7 }, action: '/runs/7', read_at: null, dismissed_at: null, expires_at: null }),
    ]);
    expect(Date.parse(page.items[0].created_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(await alice.rpc('notifications.unread_count')).toEqual({ count: 1 });
  });

  it('delivers a new notification live to every tab of the user and only to them', async () => {
    const [first, second, bob] = [await tab('alice'), await tab('alice'), await tab('bob')];
    const { id } = await send({ users: ['alice', 'carol'], title: 'Team changed' });
    await until(() => first.events.length === 1 && second.events.length === 1);
    expect(first.events[0]).toMatchObject({ type: 'notification.created', notification: { id, title: 'Team changed', read_at: null } });
    expect(second.events).toEqual(first.events);
    expect(bob.events).toEqual([]);
  });

  it('marks read on one tab and updates the other tab and the counter', async () => {
    const a = await send({ user: 'alice' });
    const b = await send({ user: 'alice' });
    const [first, second] = [await tab('alice'), await tab('alice')];
    expect(await first.rpc('notifications.mark_read', { ids: [a.id] })).toEqual({ updated: 1 });
    await until(() => second.events.length === 1);
    expect(second.events[0]).toMatchObject({ type: 'notification.updated', ids: [a.id], unread_count: 1 });
    expect(Date.parse(second.events[0].read_at)).toBeGreaterThan(0);
    expect(await second.rpc('notifications.unread_count')).toEqual({ count: 1 });
    expect((await second.rpc('notifications.list', { unread_only: true })).items.map((n: any) => n.id)).toEqual([b.id]);

    expect(await second.rpc('notifications.mark_read', { all: true })).toEqual({ updated: 1 });
    await until(() => first.events.length === 2);
    expect(first.events[1]).toMatchObject({ ids: [b.id], unread_count: 0 });
    // Marking again changes nothing and publishes nothing: the next event is the dismiss.
    expect(await first.rpc('notifications.mark_read', { ids: [a.id, b.id] })).toEqual({ updated: 0 });
    await first.rpc('notifications.dismiss', { ids: [a.id] });
    await until(() => first.events.length === 3);
    expect(first.events[2]).toMatchObject({ ids: [a.id], dismissed_at: expect.any(String) });
  });

  it('counts a notification read once when tabs mark it at the same time', async () => {
    const { id } = await send({ user: 'alice' });
    const [first, second] = [await tab('alice'), await tab('alice')];
    const replies = await Promise.all([first, second, first, second].map((t) => t.rpc('notifications.mark_read', { ids: [id] })));
    expect(replies.reduce((sum, r) => sum + r.updated, 0)).toBe(1);
    await until(() => first.events.length === 1 && second.events.length === 1);
    expect(await first.rpc('notifications.unread_count')).toEqual({ count: 0 });
  });

  it('dismisses: gone from the list and the counter, the change published', async () => {
    const a = await send({ user: 'alice' });
    const b = await send({ user: 'alice' });
    const alice = await tab('alice');
    expect(await alice.rpc('notifications.dismiss', { ids: [a.id] })).toEqual({ updated: 1 });
    await until(() => alice.events.length === 1);
    expect(alice.events[0]).toMatchObject({ type: 'notification.updated', ids: [a.id], unread_count: 1 });
    expect(Date.parse(alice.events[0].dismissed_at)).toBeGreaterThan(0);
    expect((await alice.rpc('notifications.list')).items.map((n: any) => n.id)).toEqual([b.id]);
    const all = await alice.rpc('notifications.list', { include_dismissed: true });
    expect(all.items.map((n: any) => [n.id, n.dismissed_at !== null])).toEqual([[b.id, false], [a.id, true]]);
  });

  it('never shows or changes one user\'s notification for another', async () => {
    const { id } = await send({ user: 'alice' });
    const own = await send({ user: 'bob' });
    const bob = await tab('bob');
    expect((await bob.rpc('notifications.list')).items.map((n: any) => n.id)).toEqual([own.id]);
    for (const [method, data] of [['notifications.mark_read', { ids: [id] }], ['notifications.dismiss', { ids: [own.id, id] }]] as const) {
      await expect(bob.rpc(method, data)).rejects.toMatchObject({ code: 404, message: expect.stringContaining(id) });
    }
    // The mixed call above changed nothing, not even bob's own notification.
    expect((await bob.rpc('notifications.list')).items[0]).toMatchObject({ id: own.id, dismissed_at: null });
    const alice = await tab('alice');
    expect((await alice.rpc('notifications.list')).items[0]).toMatchObject({ id, read_at: null, dismissed_at: null });
    // Bob cannot listen on alice's personal channel either.
    const spy = newClient(gw.url, { token: await gw.token('bob') });
    spy.connect();
    const sub = spy.newSubscription('notifications:inbox#alice');
    const refused = once<{ code: number }>(sub, 'unsubscribed');
    sub.subscribe();
    expect((await refused).code).toBe(103);
    spy.disconnect();
  });

  it('stores a broadcast once and keeps each user\'s read state apart', async () => {
    const alice = await tab('alice');
    const bob = await tab('bob');
    const { id } = await send({ all: true, type: 'announcement', title: 'Maintenance tonight' });
    await until(() => alice.events.length === 1 && bob.events.length === 1);
    expect(alice.events[0]).toMatchObject({ type: 'notification.created', notification: { id, title: 'Maintenance tonight' } });
    expect(await alice.rpc('notifications.mark_read', { ids: [id] })).toEqual({ updated: 1 });
    await until(() => alice.events.length === 2);
    expect(alice.events[1]).toMatchObject({ ids: [id], unread_count: 0 });
    expect(bob.events).toHaveLength(1);
    expect((await alice.rpc('notifications.list')).items).toEqual([expect.objectContaining({ id, read_at: expect.any(String) })]);
    expect((await bob.rpc('notifications.list')).items).toEqual([expect.objectContaining({ id, read_at: null })]);
    expect(await bob.rpc('notifications.unread_count')).toEqual({ count: 1 });
    const carol = await tab('carol');
    expect(await carol.rpc('notifications.mark_read', { all: true })).toEqual({ updated: 1 });
    expect(await carol.rpc('notifications.dismiss', { ids: [id] })).toEqual({ updated: 1 });
    expect((await carol.rpc('notifications.list')).items).toEqual([]);
    expect(await bob.rpc('notifications.unread_count')).toEqual({ count: 1 });
    const stored = await gw.api('notification_list', {});
    expect(stored.items.map((n: any) => [n.id, n.audience])).toEqual([[id, 'all']]);
  });

  it('keeps everything across a gateway restart on the same database', async () => {
    const kept = await send({ user: 'alice', data: { n: 1 } });
    const read = await send({ user: 'alice' });
    const broadcast = await send({ all: true });
    const before = await tab('alice');
    await before.rpc('notifications.mark_read', { ids: [read.id, broadcast.id] });
    before.client.disconnect();
    await gw.close();

    gw = await startInboxGateway(options);
    const after = await tab('alice');
    const items = (await after.rpc('notifications.list')).items;
    expect(items.map((n: any) => [n.id, n.read_at !== null])).toEqual([[broadcast.id, true], [read.id, true], [kept.id, false]]);
    expect(items[2].data).toEqual({ n: 1 });
    expect(await after.rpc('notifications.unread_count')).toEqual({ count: 1 });
  });

  it('pages stably, newest first, while new notifications arrive', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 25; i++) sent.push((await send(i % 7 === 3 ? { all: true, title: `n${i}` } : { user: 'alice', title: `n${i}` })).id);
    const alice = await tab('alice');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; next_cursor: string | null } = await alice.rpc('notifications.list', { limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((n) => n.id));
      cursor = page.next_cursor;
      for (let i = 0; i < 3; i++) await send({ user: 'alice', title: 'late' });
    } while (cursor);
    expect(seen).toEqual([...sent].reverse());
    const fresh = await alice.rpc('notifications.list', { limit: 9 });
    expect(fresh.items.every((n: any) => n.title === 'late')).toBe(true);
  });

  it('refuses bad input with clear errors and changes nothing', async () => {
    const { id } = await send({ user: 'alice' });
    const alice = await tab('alice');
    const rpcFailure = (method: string, data: unknown) => alice.rpc(method, data).then(() => expect.fail(`${method} succeeded`), (error) => error);

    expect(await rpcFailure('notifications.mark_read', { ids: [id, 'no-such-id'] })).toMatchObject({ code: 404, message: expect.stringContaining('no-such-id') });
    expect(await rpcFailure('notifications.mark_read', {})).toMatchObject({ code: 400, message: expect.stringContaining('exactly one of ids or all') });
    expect(await rpcFailure('notifications.dismiss', { ids: Array.from({ length: 501 }, (_, i) => `x${i}`) })).toMatchObject({ code: 400, message: expect.stringContaining('at most 500 ids') });
    expect(await rpcFailure('notifications.dismiss', { ids: 'all' })).toMatchObject({ code: 400, message: expect.stringContaining('ids') });
    expect(await rpcFailure('notifications.list', { limit: 1000 })).toMatchObject({ code: 400, message: expect.stringContaining('limit') });
    expect(await rpcFailure('notifications.list', { cursor: 'garbage' })).toMatchObject({ code: 400, message: expect.stringContaining('cursor') });
    expect(await rpcFailure('notifications.unread_count', { user: 'bob' })).toMatchObject({ code: 400 });

    const failures = [
      [{ user: 'alice', body: 'x'.repeat(4001) }, 'body: at most 4000 characters'],
      [{ user: 'alice', title: 't'.repeat(201) }, 'title: at most 200 characters'],
      [{ user: 'alice', data: 'not an object' }, 'data: must be a JSON object'],
      [{ user: 'alice', data: { blob: 'x'.repeat(16 * 1024) } }, 'data: must be at most 16384 bytes'],
      [{ user: 'alice', all: true }, 'exactly one of user, users or all'],
      [{}, 'exactly one of user, users or all'],
      [{ user: 'alice', expires_at: 'tomorrow' }, 'expires_at'],
      [{ user: 'alice', expires_at: 1 }, 'expires_at: is in the past'],
      [{ user: 'alice', title: '' }, 'title: is required'],
      [{ usr: 'alice' }, 'usr'],
    ] as const;
    for (const [body, message] of failures) {
      expect(await apiFailure('notification_send', { type: 't', title: 'x', ...body })).toMatchObject({ code: 107, message: expect.stringContaining(message) });
    }
    expect(await apiFailure('notification_remove', { id: 'no-such-id' })).toMatchObject({ code: 104 });
    const status = await fetch(`${gw.apiUrl}/notification_send`, {
      method: 'POST',
      headers: { 'X-API-Key': 'test-api-key', 'X-Centrifugo-Error-Mode': 'transport' },
      body: JSON.stringify({ user: 'alice', type: 't', title: 'x', body: 'x'.repeat(5000) }),
    });
    expect(status.status).toBe(400);

    expect((await alice.rpc('notifications.list')).items).toEqual([expect.objectContaining({ id, read_at: null, dismissed_at: null })]);
    expect(await alice.rpc('notifications.unread_count')).toEqual({ count: 1 });
    expect((await gw.api('notification_list', {})).items).toHaveLength(1);
    expect(alice.events).toEqual([]);
  });

  it('purges expired and long-dismissed notifications on its timer, keeping dismissed broadcasts dismissed', async () => {
    await gw.close();
    gw = await startInboxGateway({ ...options, purgeInterval: 100, dismissedRetention: 0 });
    await send({ user: 'alice', expires_at: new Date(Date.now() + 1000).toISOString() });
    const dismissed = await send({ user: 'alice' });
    const kept = await send({ user: 'alice' });
    const broadcast = await send({ all: true });
    const alice = await tab('alice');
    await alice.rpc('notifications.dismiss', { ids: [dismissed.id, broadcast.id] });
    const stored = async (): Promise<string[]> => (await gw.api('notification_list', {})).items.map((n: any) => n.id);
    for (const deadline = Date.now() + 10_000; (await stored()).length > 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toEqual([broadcast.id, kept.id]);
    expect((await alice.rpc('notifications.list')).items.map((n: any) => n.id)).toEqual([kept.id]);
    expect(await alice.rpc('notifications.unread_count')).toEqual({ count: 1 });
  });

  it('loses no accepted notification when the gateway is killed right after answering', async () => {
    await gw.close();
    const file = writeConfigFile(deepMerge(baseTestConfig, inboxConfig));
    const child = await spawnGateway([file, JSON.stringify(options)], {}, INBOX_GATEWAY_SCRIPT, 'node');
    const apiUrl = child.stderr.join('').match(/API: (\S+)/)![1]!;
    const accepted: string[] = [];
    const sending = Array.from({ length: 40 }, (_, i) =>
      callApi<{ id: string }>(apiUrl, 'notification_send', { user: 'alice', type: 't', title: `n${i}` }).then(({ id }) => {
        accepted.push(id);
        if (accepted.length === 10) child.child.kill('SIGKILL');
      }, () => undefined),
    );
    await Promise.all(sending);
    expect(await child.exited).toBeNull();
    expect(accepted.length).toBeGreaterThanOrEqual(10);

    gw = await startInboxGateway(options);
    const stored: string[] = (await gw.api('notification_list', { user: 'alice', limit: 100 })).items.map((n: any) => n.id);
    expect(stored).toEqual(expect.arrayContaining(accepted));
  });

  it('refuses anonymous connections with 401', async () => {
    await gw.close();
    gw = await startInboxGateway(options, { client: { allow_anonymous_connect_without_token: true } });
    await send({ all: true });
    const anonymous = newClient(gw.url);
    anonymous.connect();
    await anonymous.ready(3000);
    await expect(anonymous.rpc('notifications.list', {})).rejects.toMatchObject({ code: 401, message: expect.stringContaining('authenticated user') });
    await expect(anonymous.rpc('notifications.mark_read', { all: true })).rejects.toMatchObject({ code: 401 });
    anonymous.disconnect();
  });

  it('lets the back office list a user\'s inbox and remove a notification, live', async () => {
    const a = await send({ user: 'alice' });
    const b = await send({ user: 'alice' });
    const alice = await tab('alice');
    await alice.rpc('notifications.dismiss', { ids: [a.id] });
    const listed = await gw.api('notification_list', { user: 'alice' });
    expect(listed.items.map((n: any) => [n.id, n.dismissed_at !== null])).toEqual([[b.id, false], [a.id, true]]);
    expect(await gw.api('notification_remove', { id: b.id })).toEqual({ removed: true });
    await until(() => alice.events.length === 2);
    expect(alice.events[1]).toEqual({ type: 'notification.removed', id: b.id });
    expect(await alice.rpc('notifications.unread_count')).toEqual({ count: 0 });
  });
});

describe('notification inbox configuration', () => {
  it('refuses to start when its channels do not resolve, naming the fix', async () => {
    const { options, drop } = await sqliteBackend.create();
    await expect(startInboxGateway(options, { channel: { namespaces: [{ name: 'news' }] } })).rejects.toThrow(/channel "notifications:broadcast" does not resolve.*channel\.namespaces/);
    await expect(startInboxGateway(options, { channel: { namespaces: [{ name: 'notifications' }] } })).rejects.toThrow(/needs allow_user_limited_channels: true/);
    await drop();
  });
});
