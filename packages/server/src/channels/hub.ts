import { encodePush, type ClientInfo, type Publication } from '@renum-realtime/protocol';
import type { ClientSocket, Transport } from '../transport/socket.js';

/** A local subscriber as the hub sees it: a socket to write to, and a way to shed it when slow. */
export interface HubMember {
  readonly socket: ClientSocket;
  /** Called when the socket's unsent bytes exceed the configured queue limit. */
  onSlow(): void;
  /** Counts bytes handed to the socket (per-connection and node totals). */
  countSent(bytes: number): void;
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
  /** How many members are not live yet, so native fan-out can skip the member loop. */
  buffering: number;
}

/**
 * This node's channel → subscriber index and the fan-out step. A publication is encoded once per
 * channel and handed to the transport with every live socket at once, or, when the runtime fans out
 * natively (`Transport.topics`), as one publish to the channel's topic.
 */
export class Hub {
  private readonly channels = new Map<string, ChannelMembers>();

  constructor(
    private readonly transport: Transport,
    private readonly queueMaxSize: number,
  ) {}

  /** Registers a subscriber in buffering mode; returns true when it is the channel's first here. */
  add(channel: string, member: HubMember, joinLeave: boolean): boolean {
    let entry = this.channels.get(channel);
    const first = !entry;
    if (!entry) this.channels.set(channel, (entry = { members: new Map(), buffering: 0 }));
    const previous = entry.members.get(member);
    if (previous) this.leaveTopic(channel, member, previous, entry);
    entry.members.set(member, { live: false, pending: [], joinLeave });
    entry.buffering++;
    return first;
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
      this.transport.topics?.subscribe(member.socket, channel);
    }
    const pending = membership.pending;
    membership.pending = [];
    if (coveredOffset === undefined) return pending;
    return pending.filter((p) => p.offset === undefined || p.offset > coveredOffset);
  }

  /** Removes a subscriber; returns true when the channel has no subscriber left here. */
  remove(channel: string, member: HubMember): boolean {
    const entry = this.channels.get(channel);
    const membership = entry?.members.get(member);
    if (!entry || !membership) return false;
    entry.members.delete(member);
    this.leaveTopic(channel, member, membership, entry);
    if (entry.members.size > 0) return false;
    this.channels.delete(channel);
    return true;
  }

  has(channel: string, member: HubMember): boolean {
    return this.channels.get(channel)?.members.has(member) ?? false;
  }

  /** Returns how many sockets received the push. */
  publish(channel: string, publication: Publication): number {
    const entry = this.channels.get(channel);
    if (!entry) return 0;
    const { members } = entry;
    const topics = this.transport.topics;
    if (topics) {
      if (entry.buffering > 0) {
        for (const membership of members.values()) if (!membership.live) membership.pending.push(publication);
      }
      const live = members.size - entry.buffering;
      if (live > 0) topics.publish(channel, encodePush(channel, 'pub', publication));
      return live;
    }
    const sockets: ClientSocket[] = [];
    const receivers: HubMember[] = [];
    for (const [member, membership] of members) {
      if (membership.live) {
        sockets.push(member.socket);
        receivers.push(member);
      } else {
        membership.pending.push(publication);
      }
    }
    if (sockets.length > 0) this.send(encodePush(channel, 'pub', publication), sockets, receivers);
    return sockets.length;
  }

  joinOrLeave(channel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    const members = this.channels.get(channel)?.members;
    if (!members) return;
    const sockets: ClientSocket[] = [];
    const receivers: HubMember[] = [];
    for (const [member, membership] of members) {
      if (membership.live && membership.joinLeave) {
        sockets.push(member.socket);
        receivers.push(member);
      }
    }
    if (sockets.length > 0) this.send(encodePush(channel, kind, { info }), sockets, receivers);
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

  private leaveTopic(channel: string, member: HubMember, membership: Membership, entry: ChannelMembers): void {
    if (membership.live) this.transport.topics?.unsubscribe(member.socket, channel);
    else entry.buffering--;
  }

  private send(text: string, sockets: ClientSocket[], receivers: HubMember[]): void {
    this.transport.broadcast(text, sockets);
    for (const member of receivers) {
      member.countSent(text.length);
      if (member.socket.bufferedAmount > this.queueMaxSize) member.onSlow();
    }
  }
}
