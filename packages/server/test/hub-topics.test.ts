import { describe, expect, it } from 'vitest';
import { Hub, type HubMember } from '../src/channels/hub.js';
import type { ClientSocket, Transport } from '../src/transport/socket.js';

/** A transport with native topics that records what the hub asked of it. */
function recordingTransport() {
  const calls: string[] = [];
  const topic = new Map<string, Set<ClientSocket>>();
  const sent = new Map<ClientSocket, string[]>();
  const transport: Transport = {
    broadcast(text, sockets) {
      for (const socket of sockets) socket.send(text);
    },
    topics: {
      subscribe(socket, channel) {
        calls.push(`subscribe ${channel}`);
        if (!topic.has(channel)) topic.set(channel, new Set());
        topic.get(channel)!.add(socket);
      },
      unsubscribe(socket, channel) {
        calls.push(`unsubscribe ${channel}`);
        topic.get(channel)?.delete(socket);
      },
      publish(channel, text) {
        calls.push(`publish ${channel}`);
        for (const socket of topic.get(channel) ?? []) socket.send(text);
      },
    },
  };
  const member = (): HubMember => {
    const socket: ClientSocket = { send: (text) => sent.get(socket)!.push(text), close: () => {}, bufferedAmount: 0 };
    sent.set(socket, []);
    return { socket, onSlow: () => {} };
  };
  return { transport, calls, sent, member };
}

describe('hub with a transport that fans out natively', () => {
  it('publishes once per publication to the topic, and keeps publications for members still subscribing', () => {
    const { transport, calls, sent, member } = recordingTransport();
    const hub = new Hub(transport, 1024);
    const live = member();
    const joining = member();
    hub.add('news', live, false);
    hub.activate('news', live, undefined);
    hub.add('news', joining, false);

    expect(hub.publish('news', { data: { n: 1 }, offset: 1 })).toBe(1);
    expect(calls).toEqual(['subscribe news', 'publish news']);
    expect(sent.get(live.socket)).toEqual(['{"push":{"channel":"news","pub":{"data":{"n":1},"offset":1}}}']);
    expect(sent.get(joining.socket)).toEqual([]);

    // The subscribe reply covered offset 0 only: the publication kept meanwhile is handed back.
    expect(hub.activate('news', joining, 0)).toEqual([{ data: { n: 1 }, offset: 1 }]);
    expect(hub.publish('news', { data: { n: 2 }, offset: 2 })).toBe(2);
    expect(sent.get(joining.socket)).toHaveLength(1);
  });

  it('unsubscribes only members that were live, and reports the last member leaving', () => {
    const { transport, calls, member } = recordingTransport();
    const hub = new Hub(transport, 1024);
    const live = member();
    const joining = member();
    hub.add('chat', live, false);
    hub.activate('chat', live, undefined);
    hub.add('chat', joining, false);
    expect(hub.remove('chat', joining)).toBe(false);
    expect(hub.remove('chat', live)).toBe(true);
    expect(calls).toEqual(['subscribe chat', 'unsubscribe chat']);
    expect(hub.publish('chat', { data: 1 })).toBe(0);
  });
});
