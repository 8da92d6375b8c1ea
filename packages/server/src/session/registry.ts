import type { Session } from './session.js';

/** This node's connected sessions, by client id and by user, for limits and server API calls. */
export class SessionRegistry {
  private readonly byClient = new Map<string, Session>();
  private readonly byUser = new Map<string, Set<Session>>();

  add(session: Session): void {
    this.byClient.set(session.clientId, session);
    let sessions = this.byUser.get(session.user);
    if (!sessions) this.byUser.set(session.user, (sessions = new Set()));
    sessions.add(session);
  }

  delete(session: Session): void {
    if (this.byClient.get(session.clientId) !== session) return;
    this.byClient.delete(session.clientId);
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

  forUser(user: string): Session[] {
    return [...(this.byUser.get(user) ?? [])];
  }

  get(clientId: string): Session | undefined {
    return this.byClient.get(clientId);
  }

  all(): IterableIterator<Session> {
    return this.byClient.values();
  }
}
