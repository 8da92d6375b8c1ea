import { randomBytes } from 'node:crypto';
import type { ClientInfo, Publication, StreamPosition } from '@renum-realtime/protocol';
import {
  UnrecoverablePositionError,
  type Broker,
  type BrokerEventHandler,
  type HistoryOptions,
  type HistoryPage,
  type HistoryQuery,
  type Idempotency,
  type PresenceStats,
  type PresenceStore,
} from './broker.js';

interface Stream {
  epoch: string;
  top: number;
  /** Oldest first; `publications[i].offset === top - publications.length + 1 + i`. */
  publications: Publication[];
  lastPublishAt: number;
  historyTtl: number;
  metaTtl: number;
}

/** The result of an idempotent publish, returned to its retries until `expiresAt`. */
interface KeptResult {
  position: StreamPosition | undefined;
  expiresAt: number;
}

const EPOCH_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function newEpoch(): string {
  return Array.from(randomBytes(8), (b) => EPOCH_ALPHABET[b % EPOCH_ALPHABET.length]).join('');
}

/** Single-node broker: streams live in this process and are lost with it (new epoch on restart). */
export class MemoryBroker implements Broker {
  private handler: BrokerEventHandler | undefined;
  private readonly streams = new Map<string, Stream>();
  /** Channel → idempotency key → result. */
  private readonly results = new Map<string, Map<string, KeptResult>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now, sweepIntervalMs = 10_000) {
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  async start(handler: BrokerEventHandler): Promise<void> {
    this.handler = handler;
  }

  async publish(channel: string, publication: Publication, history: HistoryOptions, idempotency?: Idempotency): Promise<StreamPosition | undefined> {
    if (idempotency) {
      const kept = this.results.get(channel)?.get(idempotency.key);
      if (kept && kept.expiresAt > this.now()) return kept.position;
    }
    let position: StreamPosition | undefined;
    let delivered = publication;
    if (history.size > 0 && history.ttl > 0) {
      const stream = this.stream(channel, history);
      stream.top += 1;
      delivered = { ...publication, offset: stream.top };
      stream.publications.push(delivered);
      if (stream.publications.length > history.size) {
        stream.publications.splice(0, stream.publications.length - history.size);
      }
      stream.lastPublishAt = this.now();
      position = { offset: stream.top, epoch: stream.epoch };
    }
    if (idempotency) this.keepResult(channel, idempotency, position);
    this.handler?.onPublication(channel, delivered, position);
    return position;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.handler?.onJoin(channel, info);
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.handler?.onLeave(channel, info);
  }

  async subscribe(): Promise<void> {}

  async unsubscribe(): Promise<void> {}

  async history(channel: string, query: HistoryQuery, history: HistoryOptions): Promise<HistoryPage> {
    const stream = this.stream(channel, history);
    const position = { offset: stream.top, epoch: stream.epoch };
    if (query.since && query.since.epoch !== '' && query.since.epoch !== stream.epoch) {
      throw new UnrecoverablePositionError(channel);
    }
    let publications = stream.publications;
    if (query.since) {
      const since = query.since.offset;
      publications = query.reverse
        ? publications.filter((p) => (p.offset ?? 0) < since)
        : publications.filter((p) => (p.offset ?? 0) > since);
    }
    if (query.reverse) publications = [...publications].reverse();
    const limit = query.limit < 0 ? publications.length : query.limit;
    return { publications: publications.slice(0, limit), position };
  }

  async removeHistory(channel: string): Promise<void> {
    const stream = this.streams.get(channel);
    if (stream) stream.publications = [];
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** The channel's stream, created with a new epoch when missing or forgotten. */
  private stream(channel: string, history: HistoryOptions): Stream {
    let stream = this.streams.get(channel);
    if (stream) this.expire(channel, stream);
    stream = this.streams.get(channel);
    if (!stream) {
      stream = {
        epoch: newEpoch(),
        top: 0,
        publications: [],
        lastPublishAt: this.now(),
        historyTtl: history.ttl,
        metaTtl: Math.max(history.metaTtl, history.ttl),
      };
      this.streams.set(channel, stream);
    }
    stream.historyTtl = history.ttl;
    stream.metaTtl = Math.max(history.metaTtl, history.ttl);
    return stream;
  }

  private expire(channel: string, stream: Stream): void {
    const idle = this.now() - stream.lastPublishAt;
    if (idle >= stream.metaTtl) this.streams.delete(channel);
    else if (idle >= stream.historyTtl) stream.publications = [];
  }

  private keepResult(channel: string, idempotency: Idempotency, position: StreamPosition | undefined): void {
    let results = this.results.get(channel);
    if (!results) this.results.set(channel, (results = new Map()));
    results.set(idempotency.key, { position, expiresAt: this.now() + idempotency.resultTtl });
  }

  private sweep(): void {
    for (const [channel, stream] of this.streams) this.expire(channel, stream);
    const now = this.now();
    for (const [channel, results] of this.results) {
      for (const [key, kept] of results) if (kept.expiresAt <= now) results.delete(key);
      if (results.size === 0) this.results.delete(channel);
    }
  }
}

/** Presence of this node's clients only: exact and immediate, nothing to expire. */
export class MemoryPresence implements PresenceStore {
  private readonly channels = new Map<string, Map<string, ClientInfo>>();

  async add(channel: string, info: ClientInfo): Promise<void> {
    let entries = this.channels.get(channel);
    if (!entries) this.channels.set(channel, (entries = new Map()));
    entries.set(info.client, info);
  }

  async remove(channel: string, clientId: string): Promise<void> {
    const entries = this.channels.get(channel);
    if (!entries) return;
    entries.delete(clientId);
    if (entries.size === 0) this.channels.delete(channel);
  }

  async get(channel: string): Promise<Record<string, ClientInfo>> {
    return Object.fromEntries(this.channels.get(channel) ?? []);
  }

  async stats(channel: string): Promise<PresenceStats> {
    const entries = [...(this.channels.get(channel)?.values() ?? [])];
    return { numClients: entries.length, numUsers: new Set(entries.map((e) => e.user)).size };
  }
}
