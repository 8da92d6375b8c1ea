// Bytes on the wire per delivery of an execution-progress event (~370 bytes of JSON, a few fields
// changing per step) for the SDK's JSON build and its protobuf build, each without and with fossil
// delta; and for the protobuf build with the document itself encoded as a protobuf message
// (published as the API's `b64data`), which is how an application on the protobuf protocol
// carries its payloads; and for the JSON build in a namespace with channel compaction, whose pushes
// carry a numeric id in place of the channel name. Counts WebSocket frames as received (payload plus frame header) after the subscribe, and
// checks every delivered document against the published one. Used by `npm run bench:wire` and by
// the main `npm run bench` table.
import { Centrifuge } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import protobuf from 'protobufjs';
import WebSocket from 'ws';
import { loadConfig } from '../../packages/server/dist/config/load.js';
import { Gateway } from '../../packages/server/dist/gateway.js';
import { createLogger } from '../../packages/server/dist/log.js';
import { mintToken } from './jwt.mjs';

const SECRET = 'bench-hmac-secret-bench-hmac-secret';
const API_KEY = 'bench-api-key';
const CHANNEL = 'progress:run';
/** The same document in a namespace with channel compaction: pushes carry an id, not the name. */
const COMPACTED_CHANNEL = 'compacted:run';

/** The document a job runner publishes after each step. */
function progress(step, publications) {
  return {
    run: 'run-2f9c1e7a-42',
    pipeline: 'nightly-integration',
    status: step < publications ? 'running' : 'succeeded',
    step,
    total: publications,
    percent: Math.round((step / publications) * 1000) / 10,
    updated_at: new Date(Date.UTC(2026, 11, 1, 21) + step * 1700).toISOString(),
    stages: [
      { name: 'checkout', state: 'done' },
      { name: 'build', state: step > publications / 6 ? 'done' : 'running' },
      { name: 'test', state: step > (publications * 2) / 3 ? 'done' : step > publications / 6 ? 'running' : 'queued' },
      { name: 'deploy', state: step > publications - 5 ? 'running' : 'queued' },
    ],
    last_line: `[worker-3] test shard ${step % 8} of 8: ${step * 13} assertions passed`,
  };
}

/**
 * The progress document as an application on the protobuf protocol would declare it: its own
 * fields, a timestamp as milliseconds, the stages as a repeated message, states as strings.
 */
const ProgressMessage = protobuf.Root.fromJSON({
  nested: {
    Stage: { fields: { name: { type: 'string', id: 1 }, state: { type: 'string', id: 2 } } },
    Progress: {
      fields: {
        run: { type: 'string', id: 1 },
        pipeline: { type: 'string', id: 2 },
        status: { type: 'string', id: 3 },
        step: { type: 'uint32', id: 4 },
        total: { type: 'uint32', id: 5 },
        percent: { type: 'double', id: 6 },
        updated_at_ms: { type: 'uint64', id: 7 },
        stages: { rule: 'repeated', type: 'Stage', id: 8 },
        last_line: { type: 'string', id: 9 },
      },
    },
  },
}).lookupType('Progress');

function encodeProgress(doc) {
  const { updated_at: updatedAt, ...fields } = doc;
  return ProgressMessage.encode(ProgressMessage.fromObject({ ...fields, updated_at_ms: Date.parse(updatedAt) })).finish();
}

function decodeProgress(bytes) {
  const { updated_at_ms: updatedAtMs, ...fields } = ProgressMessage.toObject(ProgressMessage.decode(bytes), { longs: Number, defaults: true });
  const { run, pipeline, status, step, total, percent, stages, last_line: lastLine } = fields;
  return { run, pipeline, status, step, total, percent, updated_at: new Date(updatedAtMs).toISOString(), stages, last_line: lastLine };
}

/** A `ws` client that counts the bytes of every frame it receives (RFC 6455 header included). */
function countingWebSocket(counter) {
  return class extends WebSocket {
    constructor(...args) {
      super(...args);
      // The protobuf build asks for ArrayBuffers, the JSON one gets Buffers: both have byteLength.
      this.on('message', (data) => {
        const size = data.byteLength;
        counter.bytes += size + (size < 126 ? 2 : size < 65_536 ? 4 : 10);
      });
    }
  };
}

/** Runs a gateway in this process, measures every variant, and stops it. */
export async function measureWireBytes(publications) {
  const dir = mkdtempSync(join(tmpdir(), 'renum-wire-bench-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({
    data_dir: join(dir, 'data'),
    http_server: { address: '127.0.0.1', port: 0 },
    client: { token: { hmac_secret_key: SECRET } },
    http_api: { key: API_KEY },
    channel: {
      namespaces: [
        { name: 'progress', allow_subscribe_for_client: true, allowed_delta_types: ['fossil'] },
        { name: 'compacted', allow_subscribe_for_client: true, allowed_delta_types: ['fossil'], allow_channel_compaction: true },
      ],
    },
  }));
  const config = loadConfig({ file, environ: {} });
  const gateway = await Gateway.start({ config, log: createLogger('error') });

  const variants = [
    { name: 'json', build: Centrifuge, subscription: {} },
    { name: 'protobuf', build: ProtobufCentrifuge, subscription: {}, bytes: true },
    { name: 'json + fossil delta', build: Centrifuge, subscription: { delta: 'fossil' } },
    { name: 'protobuf + fossil delta', build: ProtobufCentrifuge, subscription: { delta: 'fossil' }, bytes: true },
    { name: 'protobuf, protobuf data', build: ProtobufCentrifuge, subscription: {}, protobufData: true },
    { name: 'protobuf data + delta', build: ProtobufCentrifuge, subscription: { delta: 'fossil' }, protobufData: true },
    { name: 'json, channel id', build: Centrifuge, subscription: {}, channel: COMPACTED_CHANNEL },
    { name: 'json + delta, channel id', build: Centrifuge, subscription: { delta: 'fossil' }, channel: COMPACTED_CHANNEL },
  ];
  const published = Array.from({ length: publications }, (_, i) => progress(i + 1, publications));
  const decoder = new TextDecoder();
  const rows = [];
  for (const variant of variants) {
    const counter = { bytes: 0 };
    const client = new variant.build(gateway.webSocketUrl, { websocket: countingWebSocket(counter), token: await mintToken(SECRET, `wire-${rows.length}`) });
    const channel = variant.channel ?? CHANNEL;
    const sub = client.newSubscription(channel, variant.subscription);
    const received = [];
    sub.on('publication', (ctx) => received.push(variant.protobufData ? decodeProgress(ctx.data) : variant.bytes ? JSON.parse(decoder.decode(ctx.data)) : ctx.data));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    counter.bytes = 0;
    for (const data of published) {
      const payload = variant.protobufData ? { b64data: Buffer.from(encodeProgress(data)).toString('base64') } : { data };
      const response = await fetch(`${gateway.apiUrl}/publish`, { method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify({ channel, ...payload, delta: true }) });
      if (!response.ok) throw new Error(`publish failed: ${response.status}`);
    }
    const deadline = Date.now() + 10_000;
    while (received.length < publications && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!isDeepStrictEqual(received, published)) throw new Error(`${variant.name}: the delivered documents differ from the published ones`);
    rows.push({ name: variant.name, perDelivery: counter.bytes / publications });
    client.disconnect();
  }
  await gateway.close();
  const documentBytes = published.reduce((total, doc) => total + Buffer.byteLength(JSON.stringify(doc)), 0) / publications;
  return { publications: publications, documentBytes, rows };
}

/** The lines `npm run bench:wire` prints, and the main bench under its table. */
export function wireBytesLines({ publications, documentBytes, rows }) {
  const json = rows[0].perDelivery;
  return [
    `bytes per delivery, progress document of ${documentBytes.toFixed(0)} bytes of JSON, ${publications} publications, WebSocket frames as received`,
    ...rows.map((row) => `${row.name.padEnd(24)} ${row.perDelivery.toFixed(1).padStart(7)} B   ${(row.perDelivery / json).toFixed(2)}× JSON`),
  ];
}
