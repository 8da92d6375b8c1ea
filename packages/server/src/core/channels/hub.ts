import { fossilDeltaPublication, fossilDeltaPublications, type ClientInfo, type Publication, type StreamPosition } from '@renum-realtime/protocol';
import type { Broker, BrokerEventHandler, HistoryOptions, HistoryPage, HistoryQuery, Idempotency } from '../../broker/broker.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { SessionCodec } from '../codec.js';
import type { FanOut, Frame, Transport } from '../transport.js';
import { historyOptions, type ChannelSpec } from './namespace.js';
import { SharedReads } from './shared-reads.js';

/** A local subscriber as the hub sees it: where to write, how to encode, and how to shed it. */
export interface HubMember {
  readonly transport: Transport;
  readonly codec: SessionCodec;
  /** Called when the transport's unsent bytes exceed the configured queue limit. */
  onSlow(): void;
  /** Counts bytes handed to the transport (per-connection and node totals). */
  countSent(bytes: number): void;
  /** Publications of the channel may have been missed on this node: resubscribe and recover. */
  onInsufficientState(channel: string): void;
}

interface Membership {
  /** False while the subscribe reply is being prepared: publications are kept, not sent. */
  live: boolean;
  pending: Publication[];
  /** Whether join/leave pushes go to this member. */
  joinLeave: boolean;
  /** The member negotiated fossil delta: every publication goes to it through `fossilDeltaPublication`. */
  delta: boolean;
  /** A delta member holds the channel's previous publication as its base: the next one may be a patch. */
  hasBase: boolean;
  /** The member negotiated channel compaction: its pushes carry the channel's id, not its name. */
  compact: boolean;
  /**
   * Offsets up to this one went out in the subscribe reply, read from the stream before their
   * pub/sub messages reached this node (two connections, no order between them): those copies are
   * dropped when they come. Cleared by the first later publication.
   */
  coveredOffset?: number;
  /** The member receives through its runtime's native topic (joined once it is live and caught up). */
  inTopic: boolean;
}

/**
 * What a live member holds back: nothing, ever (only members still buffering are given
 * publications to keep), so all of them share one empty array instead of keeping one each.
 */
const NOTHING_PENDING: Publication[] = Object.freeze([]) as unknown as Publication[];

/** How a publication is encoded for a group of members. */
type Shape = 'plain' | 'full' | 'patch';

interface ChannelMembers {
  members: Map<HubMember, Membership>;
  /** How many members are not live yet. */
  buffering: number;
  /** Live members per native fan-out (Bun's topics) and address: one publish per publication each. */
  topics: TopicGroup[];
  topicMembers: number;
  /** The last publication delivered here: the base of the next delta. */
  previous?: Publication;
  /** The channel's compacted id on this node, given with its first compacting member. */
  id?: number;
  /**
   * The node's broker subscription to the channel, made by its first member. Every member waits
   * for it: a position read before it is in place misses what is published in between.
   */
  subscribed: Promise<void>;
}

/** Live members in one native topic: the channel's, or its compacting members' (see `topicOf`). */
interface TopicGroup {
  fanOut: FanOut;
  codec: SessionCodec;
  compact: boolean;
  count: number;
}

/**
 * The native topic of a channel's members: its name, or, for compacting members, whose frames
 * carry the channel's id, the name behind a NUL, which no channel name starts with.
 */
const topicOf = (channel: string, compact: boolean): string => (compact ? `\0id:${channel}` : channel);

/** Live members that share a fan-out, an encoding and an address: one frame, one broadcast. */
interface Group {
  fanOut: FanOut;
  codec: SessionCodec;
  shape: Shape;
  compact: boolean;
  members: HubMember[];
  transports: Transport[];
}

function addToGroup(groups: Group[], member: HubMember, compact: boolean, shape: Shape = 'plain'): void {
  const { transport } = member;
  let group = groups.find((g) => g.fanOut === transport.fanOut && g.codec === member.codec && g.shape === shape && g.compact === compact);
  if (!group) groups.push((group = { fanOut: transport.fanOut, codec: member.codec, shape, compact, members: [], transports: [] }));
  group.members.push(member);
  group.transports.push(transport);
}

/** How a member subscribes (see `Hub.add`). */
export interface MemberOptions {
  /** Join and leave pushes go to it. */
  joinLeave: boolean;
  /** It negotiated fossil delta. */
  delta: boolean;
  /** It negotiated channel compaction. */
  compact: boolean;
}

/**
 * The publication as a subscriber without delta, or a history reader, receives it: the delta
 * request stored with it is the server's business.
 */
export function withoutDeltaFlag(publication: Publication): Publication {
  if (publication.delta === undefined) return publication;
  const { delta: _requested, ...plain } = publication;
  return plain;
}

/** Whether a native topic carries this member's publications: delta members get frames of their own. */
function usesTopics(member: HubMember, membership: Membership): boolean {
  return member.transport.fanOut.topics !== undefined && !membership.delta;
}

/**
 * The channel layer of one node: which local sessions listen to which channel, the link to the
 * broker (publish, and subscribe while a channel has local members), and the fan-out of what the
 * broker delivers. A publication is encoded once per encoding in use and handed to each adapter's
 * fan-out with all of its transports at once, or, where the runtime fans out natively, as one
 * publish to the channel's topic.
 */
export class Hub implements BrokerEventHandler {
  private readonly channels = new Map<string, ChannelMembers>();
  private readonly reads: SharedReads;
  /** Compacted ids are never given twice: a push for a channel a client left cannot reach another. */
  private lastChannelId = 0;

  constructor(
    private readonly broker: Broker,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly queueMaxSize: number,
  ) {
    this.reads = new SharedReads(broker);
  }

  /**
   * Reads the channel's stream for a member that `add` has registered (and that waits in
   * buffering mode), sharing identical reads of joining members (see `SharedReads`).
   */
  readStream(channel: string, query: HistoryQuery, options: HistoryOptions): Promise<HistoryPage> {
    return this.reads.history(channel, query, options);
  }

  /**
   * Appends to the channel's stream (when it keeps history) and delivers on every node. A delta
   * publication (asked for, or the namespace's `delta_publish`, where it allows fossil) goes as a
   * patch against the channel's previous one to the subscribers that negotiated delta; the
   * request travels with the publication as its `delta` flag and is stripped before delivery.
   * With `idempotency` the broker publishes a key once per channel and window (see `Idempotency`).
   */
  async publish(spec: ChannelSpec, publication: Publication, source: 'api' | 'client', delta = false, idempotency?: Idempotency): Promise<StreamPosition | undefined> {
    const started = performance.now();
    const { options } = spec;
    const sent = (delta || options.delta_publish) && options.allowed_delta_types.includes('fossil') ? { ...publication, delta: true } : publication;
    const position = await this.broker.publish(spec.name, sent, historyOptions(options), idempotency);
    this.metrics.publications.inc({ source });
    this.metrics.deliveryLatency.observe((performance.now() - started) / 1000);
    return position;
  }

  /**
   * Registers a subscriber in buffering mode, and subscribes this node to the channel at the
   * broker when it is the channel's first member here. Returns the channel's compacted id for a
   * compacting member: its pushes carry that id while the channel has members on this node.
   */
  async add(channel: string, member: HubMember, { joinLeave, delta, compact }: MemberOptions): Promise<number | undefined> {
    let entry = this.channels.get(channel);
    if (!entry) {
      const subscribed = this.broker.subscribe(channel);
      this.channels.set(channel, (entry = { members: new Map(), buffering: 0, topics: [], topicMembers: 0, subscribed }));
    }
    const previous = entry.members.get(member);
    if (previous) this.leave(channel, member, previous, entry);
    entry.members.set(member, { live: false, pending: [], joinLeave, delta, hasBase: false, inTopic: false, compact });
    entry.buffering++;
    if (compact) entry.id ??= ++this.lastChannelId;
    const id = compact ? entry.id : undefined;
    await entry.subscribed;
    return id;
  }

  /**
   * Ends buffering once the subscribe reply is out. Returns the publications that arrived meanwhile
   * and that the reply did not cover (offset above `coveredOffset`), in order, ready to send: for a
   * delta member the first full and each next one a patch against the one before, so the member
   * holds the channel's previous publication as its base afterwards.
   */
  activate(channel: string, member: HubMember, coveredOffset: number | undefined): Publication[] {
    const entry = this.channels.get(channel);
    const membership = entry?.members.get(member);
    if (!entry || !membership) return [];
    const pending = membership.pending;
    membership.pending = NOTHING_PENDING;
    if (!membership.live) {
      membership.live = true;
      entry.buffering--;
      const lastHeld = pending.at(-1)?.offset ?? 0;
      if (coveredOffset !== undefined && coveredOffset > lastHeld) membership.coveredOffset = coveredOffset;
      else if (usesTopics(member, membership)) this.joinTopic(channel, member, membership, entry);
    }
    const uncovered = coveredOffset === undefined ? pending : pending.filter((p) => p.offset === undefined || p.offset > coveredOffset);
    if (!membership.delta) return uncovered.map(withoutDeltaFlag);
    // The last one held back is the channel's previous publication (they came in delivery order).
    membership.hasBase = uncovered.length > 0;
    return fossilDeltaPublications(member.codec.protocol, uncovered);
  }

  /** Removes a subscriber; the broker subscription goes with the channel's last member here. */
  remove(channel: string, member: HubMember): void {
    const entry = this.channels.get(channel);
    const membership = entry?.members.get(member);
    if (!entry || !membership) return;
    entry.members.delete(member);
    this.leave(channel, member, membership, entry);
    if (entry.members.size > 0) return;
    this.channels.delete(channel);
    this.broker.unsubscribe(channel).catch((err) => this.log.error({ err, channel }, 'broker unsubscribe failed'));
  }

  has(channel: string, member: HubMember): boolean {
    return this.channels.get(channel)?.members.has(member) ?? false;
  }

  onPublication(channel: string, publication: Publication): void {
    try {
      this.deliver(channel, publication);
    } catch (error) {
      // A publication the broker accepted but this node cannot hand out (it does not encode) must
      // not become a silent hole in the stream: subscribers resubscribe and see the gap.
      this.log.error({ err: error, channel, offset: publication.offset }, 'publication could not be delivered; subscribers resubscribe');
      this.onInsufficientState(channel);
    }
  }

  private deliver(channel: string, delivered: Publication): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    const previous = entry.previous;
    entry.previous = delivered;
    const publication = withoutDeltaFlag(delivered);
    const patchable = delivered.delta === true && previous !== undefined;
    let receivers = 0;
    const frames = new Map<string, Frame>();
    const frameFor = (codec: SessionCodec, shape: Shape, compact: boolean): Frame => {
      const key = `${codec.name}/${shape}/${compact}`;
      let frame = frames.get(key);
      if (frame === undefined) {
        const shaped = shape === 'plain' ? publication : fossilDeltaPublication(codec.protocol, publication, shape === 'patch' ? previous : undefined);
        frames.set(key, (frame = codec.push(compact ? entry.id : channel, 'pub', shaped)));
      }
      return frame;
    };
    for (const group of entry.topics) {
      if (group.count === 0) continue;
      group.fanOut.topics!.publish(topicOf(channel, group.compact), frameFor(group.codec, 'plain', group.compact));
      receivers += group.count;
    }
    if (entry.members.size > entry.topicMembers) {
      const groups: Group[] = [];
      for (const [member, membership] of entry.members) {
        if (!membership.live) {
          membership.pending.push(delivered);
          continue;
        }
        if (membership.coveredOffset !== undefined) {
          if (delivered.offset !== undefined && delivered.offset <= membership.coveredOffset) continue;
          membership.coveredOffset = undefined;
          if (usesTopics(member, membership)) {
            // The topic's frame of this publication is already out: this one goes directly.
            this.joinTopic(channel, member, membership, entry);
            addToGroup(groups, member, membership.compact);
            continue;
          }
        }
        if (membership.delta) {
          addToGroup(groups, member, membership.compact, patchable && membership.hasBase ? 'patch' : 'full');
          membership.hasBase = true;
        } else if (!membership.inTopic) addToGroup(groups, member, membership.compact);
      }
      for (const group of groups) {
        this.send(frameFor(group.codec, group.shape, group.compact), group);
        receivers += group.members.length;
      }
    }
    if (receivers > 0) this.metrics.pushes.inc({ type: 'pub' }, receivers);
  }

  onJoin(channel: string, info: ClientInfo): void {
    this.joinOrLeave(channel, 'join', info);
  }

  onLeave(channel: string, info: ClientInfo): void {
    this.joinOrLeave(channel, 'leave', info);
  }

  onInsufficientState(channel: string): void {
    const members = this.channels.get(channel)?.members;
    if (!members) return;
    for (const member of [...members.keys()]) member.onInsufficientState(channel);
  }

  /** Channel name → number of local subscribers. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [channel, entry] of this.channels) counts.set(channel, entry.members.size);
    return counts;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  private joinOrLeave(channel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    const groups: Group[] = [];
    for (const [member, membership] of entry.members) {
      if (membership.live && membership.joinLeave) addToGroup(groups, member, membership.compact);
    }
    for (const group of groups) this.send(group.codec.push(group.compact ? entry.id : channel, kind, { info }), group);
  }

  private joinTopic(channel: string, member: HubMember, membership: Membership, entry: ChannelMembers): void {
    const { fanOut } = member.transport;
    const { compact } = membership;
    fanOut.topics!.subscribe(member.transport, topicOf(channel, compact));
    membership.inTopic = true;
    const group = entry.topics.find((g) => g.fanOut === fanOut && g.compact === compact);
    if (group) group.count++;
    else entry.topics.push({ fanOut, codec: member.codec, compact, count: 1 });
    entry.topicMembers++;
  }

  private leave(channel: string, member: HubMember, membership: Membership, entry: ChannelMembers): void {
    if (!membership.live) {
      entry.buffering--;
      return;
    }
    if (!membership.inTopic) return;
    const { fanOut } = member.transport;
    const { compact } = membership;
    fanOut.topics!.unsubscribe(member.transport, topicOf(channel, compact));
    const group = entry.topics.find((g) => g.fanOut === fanOut && g.compact === compact);
    if (group) group.count--;
    entry.topicMembers--;
  }

  private send(frame: Frame, group: Group): void {
    group.fanOut.broadcast(frame, group.transports);
    for (const member of group.members) {
      member.countSent(frame.length);
      if (member.transport.bufferedAmount > this.queueMaxSize) member.onSlow();
    }
  }
}
