import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Centrifuge, Options, Subscription } from 'centrifuge';
import { createInboxExtension, type InboxOptions } from '../../src/inbox/extension.js';
import { newClient } from './client.js';
import { deepMerge, startGateway, type ConfigFile, type TestGateway } from './gateway.js';

/** Where a test run's inbox lives: a fresh SQLite directory or a fresh PostgreSQL database. */
export interface InboxBackend {
  name: 'sqlite' | 'postgres';
  /** Creates empty storage; `drop()` removes it. */
  create(): Promise<{ options: InboxOptions; drop(): Promise<void> }>;
}

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const sqliteBackend: InboxBackend = {
  name: 'sqlite',
  async create() {
    const dataDir = mkdtempSync(join(tmpdir(), 'renum-inbox-'));
    return { options: { dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
};

async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export const postgresBackend: InboxBackend = {
  name: 'postgres',
  async create() {
    const name = `inbox_test_${randomBytes(6).toString('hex')}`;
    await asAdmin(`CREATE DATABASE ${name}`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    return { options: { databaseUrl: url.toString() }, drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  },
};

/** Runs a built gateway with the inbox in a child process (see the script's header). */
export const INBOX_GATEWAY_SCRIPT = fileURLToPath(new URL('./inbox-gateway.mjs', import.meta.url));

/** The inbox test config: the personal channels' namespace also lets clients join the broadcast channel. */
export const inboxConfig = {
  channel: { namespaces: [{ name: 'notifications', allow_user_limited_channels: true, allow_subscribe_for_client: true }] },
};

export function startInboxGateway(options: InboxOptions, config: ConfigFile = {}): Promise<TestGateway> {
  return startGateway(deepMerge(inboxConfig, config), undefined, { extensions: [createInboxExtension(options)] });
}

/** A connected user tab: the client, and the inbox events it received on its two channels. */
export interface Tab {
  client: Centrifuge;
  events: any[];
  rpc<T = any>(method: string, data?: unknown): Promise<T>;
}

export async function openTab(gw: TestGateway, user: string, options: Partial<Options> = {}): Promise<Tab> {
  const client = newClient(gw.url, { token: await gw.token(user), ...options });
  const events: any[] = [];
  const subscribe = async (channel: string): Promise<Subscription> => {
    const sub = client.newSubscription(channel);
    sub.on('publication', (ctx) => events.push(ctx.data));
    sub.subscribe();
    await sub.ready(3000);
    return sub;
  };
  client.connect();
  await client.ready(3000);
  await subscribe(`notifications:inbox#${user}`);
  await subscribe('notifications:broadcast');
  return { client, events, rpc: async (method, data = {}) => (await client.rpc(method, data)).data as never };
}
