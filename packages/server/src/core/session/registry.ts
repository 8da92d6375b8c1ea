/** What the registry needs to know of a session. */
export interface RegisteredSession {
  readonly clientId: string;
  readonly user: string;
  /** Emulation and unidirectional sessions only. */
  readonly sessionId: string | undefined;
}

/** This node's connected sessions, by client id, by user and by emulation session id. */
export class SessionRegistry<S extends RegisteredSession = RegisteredSession> {
  private readonly byClient = new Map<string, S>();
  /** Most users hold one connection: it is stored as is, and a Set is made only for a second one. */
  private readonly byUser = new Map<string, S | Set<S>>();
  private readonly bySession = new Map<string, S>();

  add(session: S): void {
    this.byClient.set(session.clientId, session);
    if (session.sessionId) this.bySession.set(session.sessionId, session);
    const held = this.byUser.get(session.user);
    if (held === undefined || held === session) this.byUser.set(session.user, session);
    else if (held instanceof Set) held.add(session);
    else this.byUser.set(session.user, new Set([held, session]));
  }

  delete(session: S): void {
    if (this.byClient.get(session.clientId) !== session) return;
    this.byClient.delete(session.clientId);
    if (session.sessionId) this.bySession.delete(session.sessionId);
    const held = this.byUser.get(session.user);
    if (held === session) this.byUser.delete(session.user);
    else if (held instanceof Set) {
      held.delete(session);
      if (held.size === 1) this.byUser.set(session.user, held.values().next().value!);
    }
  }

  get size(): number {
    return this.byClient.size;
  }

  get userCount(): number {
    return this.byUser.size;
  }

  countForUser(user: string): number {
    const held = this.byUser.get(user);
    return held === undefined ? 0 : held instanceof Set ? held.size : 1;
  }

  forUser(user: string): S[] {
    const held = this.byUser.get(user);
    return held === undefined ? [] : held instanceof Set ? [...held] : [held];
  }

  get(clientId: string): S | undefined {
    return this.byClient.get(clientId);
  }

  bySessionId(sessionId: string): S | undefined {
    return this.bySession.get(sessionId);
  }

  all(): IterableIterator<S> {
    return this.byClient.values();
  }
}
