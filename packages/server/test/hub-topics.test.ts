import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../src/broker/memory.js';
import { Hub, type HubMember } from '../src/core/channels/hub.js';
import { JSON_CODEC, UNIDIRECTIONAL_JSON_CODEC, type SessionCodec } from '../src/core/codec.js';
import { WRITE_EACH, type FanOut, type Transport } from '../src/core/transport.js';
import { createLogger } from '../src/log.js';
import { Metrics } from '../src/metrics/metrics.js';

/** A member without join/leave, delta or compaction. */
const PLAIN = { joinLeave: false, delta: false, compact: false };

/** A fan-out with native topics (as Bun's) that records what the hub asked of it. */
function recordingTopics(calls: string[]): FanOut {
  const topic = new Map<string, Set<Transport>>();
  return {
    broadcast: WRITE_EACH.broadcast,
    topics: {
      subscribe(transport, channel) {
        calls.push(`subscribe ${channel}`);
        if (!topic.has(channel)) topic.set(channel, new Set());
        topic.get(channel)!.add(transport);
      },
      unsubscribe(transport, channel) {
        calls.push(`unsubscribe ${channel}`);
        topic.get(channel)?.delete(transport);
      },
      publish(channel, frame) {
        calls.push(`publish ${channel}`);
        for (const transport of topic.get(channel) ?? []) transport.write(frame);
      },
    },
  };
}

function setup() {
  const broker = new MemoryBroker();
  const hub = new Hub(broker, new Metrics(), createLogger('silent'), 1024);
  const sent = new Map<HubMember, string[]>();
  const member = (fanOut: FanOut, codec: SessionCodec = JSON_CODEC): HubMember => {
    const frames: string[] = [];
    const transport: Transport = {
      name: codec === JSON_CODEC ? 'websocket' : 'uni_websocket', unidirectional: codec !== JSON_CODEC, emulation: false, protocol: 'json',
      pushesDisconnect: false, meta: {}, fanOut, write: (frame) => frames.push(frame), close: () => {}, bufferedAmount: 0,
    };
    const m: HubMember = { transport, codec, onSlow: () => {}, countSent: () => {}, onInsufficientState: () => {} };
    sent.set(m, frames);
    return m;
  };
  return { broker, hub, sent, member };
}

describe('hub', () => {
  it('publishes once per publication to a native topic, and keeps publications for members still subscribing', async () => {
    const calls: string[] = [];
    const { hub, sent, member } = setup();
    const topics = recordingTopics(calls);
    const live = member(topics);
    const joining = member(topics);
    await hub.add('news', live, PLAIN);
    hub.activate('news', live, undefined);
    await hub.add('news', joining, PLAIN);

    hub.onPublication('news', { data: { n: 1 }, offset: 1 });
    expect(calls).toEqual(['subscribe news', 'publish news']);
    expect(sent.get(live)).toEqual(['{"push":{"channel":"news","pub":{"data":{"n":1},"offset":1}}}']);
    expect(sent.get(joining)).toEqual([]);

    // The subscribe reply covered offset 0 only: the publication kept meanwhile is handed back.
    expect(hub.activate('news', joining, 0)).toEqual([{ data: { n: 1 }, offset: 1 }]);
    hub.onPublication('news', { data: { n: 2 }, offset: 2 });
    expect(calls.filter((c) => c === 'publish news')).toHaveLength(2);
    expect(sent.get(joining)).toHaveLength(1);
  });

  it('unsubscribes only members that were live, and drops the channel with its last member', async () => {
    const calls: string[] = [];
    const { hub, sent, member } = setup();
    const topics = recordingTopics(calls);
    const live = member(topics);
    const joining = member(topics);
    await hub.add('chat', live, PLAIN);
    hub.activate('chat', live, undefined);
    await hub.add('chat', joining, PLAIN);
    hub.remove('chat', joining);
    expect(hub.counts().get('chat')).toBe(1);
    hub.remove('chat', live);
    expect(calls).toEqual(['subscribe chat', 'unsubscribe chat']);
    expect(hub.channelCount).toBe(0);
    hub.onPublication('chat', { data: 1 });
    expect([...sent.values()].flat()).toEqual([]);
  });

  it('encodes once per encoding: bidirectional members get the push envelope, unidirectional ones the bare push', async () => {
    const { hub, sent, member } = setup();
    let broadcasts = 0;
    const counting: FanOut = { broadcast: (frame, transports) => (broadcasts++, WRITE_EACH.broadcast(frame, transports)) };
    const members = [member(counting), member(counting), member(counting, UNIDIRECTIONAL_JSON_CODEC)];
    for (const m of members) {
      await hub.add('progress', m, PLAIN);
      hub.activate('progress', m, undefined);
    }
    hub.onPublication('progress', { data: { step: 3 }, offset: 7 });
    expect(broadcasts).toBe(2);
    expect(sent.get(members[0]!)).toEqual(['{"push":{"channel":"progress","pub":{"data":{"step":3},"offset":7}}}']);
    expect(sent.get(members[1]!)).toEqual(sent.get(members[0]!));
    expect(sent.get(members[2]!)).toEqual(['{"channel":"progress","pub":{"data":{"step":3},"offset":7}}']);
  });

  it('gives compacting members the channel id in place of its name, through a topic of their own, and a new id after the channel is dropped', async () => {
    const calls: string[] = [];
    const { hub, sent, member } = setup();
    const topics = recordingTopics(calls);
    const named = member(topics);
    const compacting = member(topics);
    const other = member(topics);
    expect(await hub.add('other', other, { ...PLAIN, compact: true })).toBe(1);
    expect(await hub.add('news', named, { ...PLAIN, joinLeave: true })).toBeUndefined();
    expect(await hub.add('news', compacting, { joinLeave: true, delta: false, compact: true })).toBe(2);
    for (const m of [named, compacting]) hub.activate('news', m, undefined);
    hub.onPublication('news', { data: { n: 1 }, offset: 1 });
    hub.onJoin('news', { user: 'u', client: 'c' });
    expect(calls).toEqual(['subscribe news', 'subscribe \0id:news', 'publish news', 'publish \0id:news']);
    expect(sent.get(named)).toEqual(['{"push":{"channel":"news","pub":{"data":{"n":1},"offset":1}}}', '{"push":{"channel":"news","join":{"info":{"user":"u","client":"c"}}}}']);
    expect(sent.get(compacting)).toEqual(['{"push":{"id":2,"pub":{"data":{"n":1},"offset":1}}}', '{"push":{"id":2,"join":{"info":{"user":"u","client":"c"}}}}']);
    hub.remove('news', named);
    hub.remove('news', compacting);
    expect(calls.slice(4)).toEqual(['unsubscribe news', 'unsubscribe \0id:news']);
    expect(await hub.add('news', compacting, { ...PLAIN, compact: true })).toBe(3);
  });

  it('drops the late pub/sub copy of a publication the subscribe reply already carried, topic or not', async () => {
    const calls: string[] = [];
    const { hub, sent, member } = setup();
    const direct = member({ broadcast: WRITE_EACH.broadcast });
    const viaTopic = member(recordingTopics(calls));
    for (const m of [direct, viaTopic]) {
      await hub.add('runs', m, PLAIN);
      // The history read saw offsets up to 5; the pub/sub message of 5 had not arrived yet.
      expect(hub.activate('runs', m, 5)).toEqual([]);
    }
    hub.onPublication('runs', { data: { n: 5 }, offset: 5 });
    expect(sent.get(direct)).toEqual([]);
    expect(sent.get(viaTopic)).toEqual([]);
    expect(calls).toEqual([]);
    hub.onPublication('runs', { data: { n: 6 }, offset: 6 });
    hub.onPublication('runs', { data: { n: 7 }, offset: 7 });
    const offsets = (frames: string[] | undefined) => frames!.map((f) => (JSON.parse(f) as { push: { pub: { offset: number } } }).push.pub.offset);
    expect(offsets(sent.get(direct))).toEqual([6, 7]);
    // Joined the topic with 6, which it got directly: 7 came through the topic, once.
    expect(offsets(sent.get(viaTopic))).toEqual([6, 7]);
    expect(calls).toEqual(['subscribe runs', 'publish runs']);
    hub.remove('runs', viaTopic);
    expect(calls.at(-1)).toBe('unsubscribe runs');
  });

  it('lets a later member read its position only once the node is subscribed at the broker', async () => {
    // On Redis the first member's SUBSCRIBE takes a round trip; a member that read its position
    // meanwhile would miss what is published before the subscription is in place.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const broker = new (class extends MemoryBroker {
      override async subscribe(): Promise<void> {
        await gate;
      }
    })();
    const hub = new Hub(broker, new Metrics(), createLogger('silent'), 1024);
    const { member } = setup();
    const order: string[] = [];
    const first = hub.add('news', member(WRITE_EACH), PLAIN).then(() => order.push('first'));
    const second = hub.add('news', member(WRITE_EACH), PLAIN).then(() => order.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    open();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });

  it('shares identical stream reads of members joining in one turn, and never lets a member join a read already under way', async () => {
    const reads: string[] = [];
    const broker = new (class extends MemoryBroker {
      override history(...args: Parameters<MemoryBroker['history']>) {
        reads.push(`since ${args[1].since?.offset}`);
        return super.history(...args);
      }
    })();
    const hub = new Hub(broker, new Metrics(), createLogger('silent'), 1024);
    const options = { size: 100, ttl: 60_000, metaTtl: 60_000 };
    let epoch = '';
    for (let n = 1; n <= 3; n++) epoch = (await broker.publish('runs', { data: { n } }, options))!.epoch;
    const { member } = setup();
    const members = Array.from({ length: 10 }, () => member(WRITE_EACH));
    for (const m of members) await hub.add('runs', m, PLAIN);
    // A reconnect storm: all of them recover from offset 1 in the same turn.
    const pages = await Promise.all(members.map(() => hub.readStream('runs', { since: { offset: 1, epoch }, limit: 301 }, options)));
    expect(reads).toEqual(['since 1']);
    for (const page of pages) expect(page.publications.map((p) => p.offset)).toEqual([2, 3]);
    // A read in flight is not joined: the later member's read starts after it asked.
    const inFlight = hub.readStream('runs', { since: { offset: 1, epoch }, limit: 301 }, options);
    await new Promise((resolve) => setImmediate(resolve));
    const late = member(WRITE_EACH);
    await hub.add('runs', late, PLAIN);
    await broker.publish('runs', { data: { n: 4 } }, options);
    const [early, later] = await Promise.all([inFlight, hub.readStream('runs', { since: { offset: 1, epoch }, limit: 301 }, options)]);
    expect(reads).toEqual(['since 1', 'since 1', 'since 1']);
    expect(early.publications.map((p) => p.offset)).toEqual([2, 3]);
    expect(later.publications.map((p) => p.offset)).toEqual([2, 3, 4]);
  });
});
