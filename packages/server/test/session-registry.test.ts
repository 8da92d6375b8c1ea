import { describe, expect, it } from 'vitest';
import { SessionRegistry, type RegisteredSession } from '../src/core/session/registry.js';

const session = (clientId: string, user: string): RegisteredSession => ({ clientId, user, sessionId: undefined });

describe('SessionRegistry', () => {
  it('finds every connection of a user as they come and go, one or many', () => {
    const registry = new SessionRegistry();
    const [a1, a2, a3, b1] = [session('a1', 'alice'), session('a2', 'alice'), session('a3', 'alice'), session('b1', 'bob')];
    registry.add(a1);
    registry.add(b1);
    expect(registry.forUser('alice')).toEqual([a1]);
    expect(registry.countForUser('alice')).toBe(1);
    registry.add(a2);
    registry.add(a3);
    expect(registry.forUser('alice')).toEqual([a1, a2, a3]);
    expect(registry.countForUser('alice')).toBe(3);
    registry.delete(a2);
    expect(registry.forUser('alice')).toEqual([a1, a3]);
    registry.delete(a1);
    expect(registry.forUser('alice')).toEqual([a3]);
    expect(registry.countForUser('alice')).toBe(1);
    registry.add(a1);
    expect(registry.forUser('alice')).toEqual([a3, a1]);
    registry.delete(a3);
    registry.delete(a1);
    expect(registry.forUser('alice')).toEqual([]);
    expect(registry.countForUser('alice')).toBe(0);
    expect(registry.userCount).toBe(1);
    expect(registry.size).toBe(1);
    expect([...registry.all()]).toEqual([b1]);
  });

  it('lists every connected session once, and survives deletes while it is listed', () => {
    const registry = new SessionRegistry();
    const all = [session('a1', 'alice'), session('a2', 'alice'), session('b1', 'bob'), session('c1', 'carol'), session('c2', 'carol')];
    for (const s of all) registry.add(s);
    expect(registry.size).toBe(5);
    expect(new Set(registry.all())).toEqual(new Set(all));
    const seen: RegisteredSession[] = [];
    for (const s of registry.all()) {
      seen.push(s);
      registry.delete(s);
    }
    expect(new Set(seen)).toEqual(new Set(all));
    expect(seen).toHaveLength(5);
    expect(registry.size).toBe(0);
    expect(registry.userCount).toBe(0);
  });

  it('ignores a second add and a delete of a session it does not hold', () => {
    const registry = new SessionRegistry();
    const a1 = session('a1', 'alice');
    registry.add(a1);
    registry.add(a1);
    expect(registry.countForUser('alice')).toBe(1);
    expect(registry.size).toBe(1);
    registry.delete(session('a1', 'alice'));
    expect(registry.forUser('alice')).toEqual([a1]);
    expect(registry.size).toBe(1);
  });
});
