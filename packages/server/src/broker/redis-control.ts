import type { Logger } from '../log.js';
import type { ControlBus, ControlCommand, ControlHandler, NodeInfo } from './control.js';
import type { RedisLink } from './redis-link.js';
import { ExpiringHash } from './redis-presence.js';

interface ControlMessage {
  from: string;
  command: ControlCommand;
}

function isControlMessage(value: unknown): value is ControlMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { from, command } = value as Partial<ControlMessage>;
  return typeof from === 'string' && typeof command?.method === 'string' && typeof command.request === 'object' && command.request !== null;
}

/**
 * Control bus over one Redis pub/sub topic, plus a node registry: every node writes its `info`
 * into an expiring hash each heartbeat, so a node that stops beating drops out of `info` after
 * three missed heartbeats.
 */
export class RedisControl implements ControlBus {
  private handler: ControlHandler | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly registry: ExpiringHash;

  constructor(
    private readonly link: RedisLink,
    private readonly topic: string,
    registryKeys: { hash: string; expiry: string },
    private readonly heartbeatMs: number,
    private readonly log: Logger,
  ) {
    this.registry = new ExpiringHash(link, registryKeys.hash, registryKeys.expiry, heartbeatMs * 3);
  }

  async start(handler: ControlHandler): Promise<void> {
    this.handler = handler;
    await this.link.listen(this.topic, (message) => this.receive(message));
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  async broadcast(command: ControlCommand): Promise<void> {
    const handler = this.required();
    await handler.apply(command);
    const message: ControlMessage = { from: handler.uid, command };
    await this.link.run((r) => r.publish(this.topic, JSON.stringify(message)));
  }

  async nodes(): Promise<NodeInfo[]> {
    const self = this.required().info();
    const others: NodeInfo[] = [];
    for (const [uid, json] of await this.registry.getAll()) {
      if (uid === self.uid) continue;
      try {
        others.push(JSON.parse(json) as NodeInfo);
      } catch {
        this.log.warn({ event: 'node_entry_invalid', uid }, 'node registry entry is not JSON; skipped');
      }
    }
    return [self, ...others];
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.link.unlisten(this.topic);
    // Leave `info` at once instead of after the expiry.
    if (this.handler) await this.registry.remove(this.handler.uid).catch(() => undefined);
  }

  private required(): ControlHandler {
    if (!this.handler) throw new Error('control bus used before start()');
    return this.handler;
  }

  private receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (!isControlMessage(message)) {
      this.log.warn({ event: 'control_message_invalid', length: text.length }, 'control message ignored: not a command');
      return;
    }
    if (!this.handler || message.from === this.handler.uid) return;
    this.handler.apply(message.command).catch((err) => this.log.error({ err, method: message.command.method }, 'control command failed'));
  }

  private async beat(): Promise<void> {
    const info = this.required().info();
    try {
      await this.registry.set([[info.uid, JSON.stringify(info)]]);
    } catch (err) {
      this.log.debug({ event: 'node_heartbeat_failed', err: (err as Error).message }, 'node heartbeat failed');
    }
  }
}
