/**
 * What each server under test expects on the wire. A client sends `hello`, feeds frames to
 * `onHello` until it returns true (ready), then answers keep-alives with `keepAlive`.
 * Publications carry `{"t":<ms>,"p":"…"}`; the `{"t":` marker is how subscribers count them.
 */
export const CHANNEL = 'bench';

/** Bare WebSocket peers (`ws`, Bun): every frame from the publisher is fanned out as is. */
const raw = {
  path: (base, role) => (role === 'publisher' ? `${base}?pub=1` : base),
  hello: () => true,
  onHello: () => true,
  keepAlive: () => undefined,
  publish: (data) => data,
};

/** Engine.IO v4 over WebSocket + Socket.IO v4 packets: `0` open, `40` connect, `42[...]` event. */
const socketio = {
  path: (base, role) => `${base}?EIO=4&transport=websocket${role === 'publisher' ? '&pub=1' : ''}`,
  hello: () => false,
  onHello(client, text) {
    if (text.startsWith('0')) client.send('40');
    else if (text.startsWith('40')) return true;
    else if (text.startsWith('44')) throw new Error(`socket.io connect refused: ${text}`);
    return false;
  },
  keepAlive: (text) => (text === '2' ? '3' : undefined),
  publish: (data) => `42["pub",${data}]`,
};

/** Our gateway: Centrifugo protocol v2 JSON, connect with a JWT, then subscribe, in one frame. */
const gateway = {
  path: (base) => base,
  hello(client, { token, subscribe }) {
    const connect = JSON.stringify({ id: 1, connect: { token } });
    client.send(subscribe ? `${connect}\n${JSON.stringify({ id: 2, subscribe: { channel: CHANNEL } })}` : connect);
    client.awaitId = subscribe ? 2 : 1;
    return false;
  },
  onHello(client, text) {
    for (const line of text.split('\n')) {
      const reply = JSON.parse(line);
      if (reply.error) throw new Error(`gateway error ${reply.error.code}: ${reply.error.message}`);
      if (reply.id === client.awaitId) return true;
    }
    return false;
  },
  // The server's ping is an empty object; the answer is an empty object too.
  keepAlive: (text) => (text === '{}' ? '{}' : undefined),
  publish: (data, seq) => `{"id":${seq + 3},"publish":{"channel":"${CHANNEL}","data":${data}}}`,
};

export const PROTOCOLS = { raw, socketio, gateway };

const MARK = Buffer.from('{"t":');

/** A publication body of `size` bytes stamped with the send time. */
export function publicationData(size, now) {
  const head = `{"t":${now.toFixed(3)},"p":"`;
  return `${head}${'x'.repeat(Math.max(0, size - head.length - 2))}"}`;
}

/** Counts publications in one frame (servers may batch several); `onStamp` gets their send times. */
export function countPublications(payload, onStamp) {
  let count = 0;
  let at = payload.indexOf(MARK);
  while (at !== -1) {
    count++;
    if (onStamp) onStamp(parseFloat(payload.toString('latin1', at + 5, at + 24)));
    at = payload.indexOf(MARK, at + 5);
  }
  return count;
}

export const now = () => performance.timeOrigin + performance.now();
