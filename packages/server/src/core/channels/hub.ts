import type { ClientInfo, Publication, StreamPosition } from '@renum-realtime/protocol';
import type { Broker, BrokerEventHandler } from '../../broker/broker.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { SessionCodec } from '../codec.js';
import type { FanOut, Frame, Transport } from '../transport.js';
import { historyOptions, type ChannelSpec } from './namespace.js';

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
}

interface ChannelMembers {
  members: Map<HubMember, Membership>;
  /** How many members are not live yet. */
  buffering: number;
  /** Live members per native fan-out (Bun's topics): they get one publish per publication. */
  topics: Map<FanOut, { codec: SessionCodec; count: number }>;
  topicMembers: number;
}

/** Live members that share a fan-out and an encoding: one frame, one broadcast. */
interface Group {
  fanOut: FanOut;
  codec: SessionCodec;
  members: HubMember[];
  transports: Transport[];
}

function addToGroup(groups: Group[], member: HubMember): void {
  const { transport } = member;
  let group = groups.find((g) => g.fanOut === transport.fanOut && g.codec === member.codec);
  if (!group) groups.push((group = { fanOut: transport.fanOut, codec: member.codec, members: [], transports: [] }));
  group.members.push(member);
  group.transports.push(transport);
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

  constructor(
    private readonly broker: Broker,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly queueMaxSize: number,
  ) {}

  /** Appends to the channel's stream (when it keeps history) and delivers on every node. */
  async publish(spec: ChannelSpec, publication: Publication, source: 'api' | 'client'): Promise<StreamPosition | undefined> {
    const started = performance.now();
    const position = await this.broker.publish(spec.name, publication, historyOptions(spec.options));
    this.metrics.publications.inc({ source });
    this.metrics.deliveryLatency.observe((performance.now() - started) / 1000);
    return position;
  }

  /**
   * Registers a subscriber in buffering mode, and subscribes this node to the channel at the
   * broker when it is the channel's first member here.
   */
  async add(channel: string, member: HubMember, joinLeave: boolean): Promise<void> {
    let entry = this.channels.get(channel);
    const first = !entry;
    if (!entry) this.channels.set(channel, (entry = { members: new Map(), buffering: 0, topics: new Map(), topicMembers: 0 }));
    const previous = entry.members.get(member);
    if (previous) this.leave(channel, member, previous, entry);
    entry.members.set(member, { live: false, pending: [], joinLeave });
    entry.buffering++;
    if (first) await this.broker.subscribe(channel);
  }

  /**
   * Ends buffering once the subscribe reply is out. Returns the publications that arrived meanwhile
   * and that the reply did not cover (offset above `coveredOffset`), in order.
   */
  activate(channel: string, member: HubMember, coveredOffset: number | undefined): Publication[] {
    const entry = this.channels.get(channel);
    const membership = entry?.members.get(member);
    if (!entry || !membership) return [];
    if (!membership.live) {
      membership.live = true;
      entry.buffering--;
      const { fanOut } = member.transport;
      if (fanOut.topics) {
        fanOut.topics.subscribe(member.transport, channel);
        const group = entry.topics.get(fanOut);
        if (group) group.count++;
        else entry.topics.set(fanOut, { codec: member.codec, count: 1 });
        entry.topicMembers++;
      }
    }
    const pending = membership.pending;
    membership.pending = [];
    if (coveredOffset === undefined) return pending;
    return pending.filter((p) => p.offset === undefined || p.offset > coveredOffset);
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

  private deliver(channel: string, publication: Publication): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    let receivers = 0;
    const frames = new Map<SessionCodec, Frame>();
    const frameFor = (codec: SessionCodec): Frame => {
      let frame = frames.get(codec);
      if (frame === undefined) frames.set(codec, (frame = codec.push(channel, 'pub', publication)));
      return frame;
    };
    for (const [fanOut, group] of entry.topics) {
      if (group.count === 0) continue;
      fanOut.topics!.publish(channel, frameFor(group.codec));
      receivers += group.count;
    }
    if (entry.members.size > entry.topicMembers) {
      const groups: Group[] = [];
      for (const [member, membership] of entry.members) {
        if (!membership.live) membership.pending.push(publication);
        else if (!member.transport.fanOut.topics) addToGroup(groups, member);
      }
      for (const group of groups) {
        this.send(frameFor(group.codec), group);
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
    const members = this.channels.get(channel)?.members;
    if (!members) return;
    const groups: Group[] = [];
    for (const [member, membership] of members) {
      if (membership.live && membership.joinLeave) addToGroup(groups, member);
    }
    for (const group of groups) this.send(group.codec.push(channel, kind, { info }), group);
  }

  private leave(channel: string, member: HubMember, membership: Membership, entry: ChannelMembers): void {
    if (!membership.live) {
      entry.buffering--;
      return;
    }
    const { fanOut } = member.transport;
    if (!fanOut.topics) return;
    fanOut.topics.unsubscribe(member.transport, channel);
    const group = entry.topics.get(fanOut);
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
