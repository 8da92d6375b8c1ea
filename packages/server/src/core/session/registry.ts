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
  private readonly byUser = new Map<string, Set<S>>();
  private readonly bySession = new Map<string, S>();

  add(session: S): void {
    this.byClient.set(session.clientId, session);
    if (session.sessionId) this.bySession.set(session.sessionId, session);
    let sessions = this.byUser.get(session.user);
    if (!sessions) this.byUser.set(session.user, (sessions = new Set()));
    sessions.add(session);
  }

  delete(session: S): void {
    if (this.byClient.get(session.clientId) !== session) return;
    this.byClient.delete(session.clientId);
    if (session.sessionId) this.bySession.delete(session.sessionId);
    const sessions = this.byUser.get(session.user);
    sessions?.delete(session);
    if (sessions?.size === 0) this.byUser.delete(session.user);
  }

  get size(): number {
    return this.byClient.size;
  }

  get userCount(): number {
    return this.byUser.size;
  }

  countForUser(user: string): number {
    return this.byUser.get(user)?.size ?? 0;
  }

  forUser(user: string): S[] {
    return [...(this.byUser.get(user) ?? [])];
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
