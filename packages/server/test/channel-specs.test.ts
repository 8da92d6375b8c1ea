import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ChannelRegistry } from '../src/core/channels/namespace.js';

function registry(): ChannelRegistry {
  const dir = mkdtempSync(join(tmpdir(), 'renum-specs-'));
  const file = join(dir, 'realtime.json');
  writeFileSync(file, JSON.stringify({ channel: { namespaces: [{ name: 'chat', presence: true }] } }));
  return new ChannelRegistry(loadConfig({ environ: {}, cwd: dir, file }).channel);
}

describe('ChannelRegistry', () => {
  it('gives every subscriber of a channel the same frozen spec, and answers a name after it left the cache as before', () => {
    const channels = registry();
    const first = channels.resolve('chat:room#alice,bob');
    const again = channels.resolve('chat:room#alice,bob');
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.spec).toBe(first.spec);
    expect(Object.isFrozen(first.spec)).toBe(true);
    expect(Object.isFrozen(first.spec.allowedUsers)).toBe(true);
    expect(first.spec).toMatchObject({ name: 'chat:room#alice,bob', namespace: 'chat', isPrivate: false, allowedUsers: ['alice', 'bob'] });
    expect(first.spec.options.presence).toBe(true);
    // More names than the cache keeps: the first one is resolved afresh, to an equal spec.
    for (let i = 0; i < 5000; i++) expect(channels.resolve(`chat:other-${i}`).ok).toBe(true);
    const later = channels.resolve('chat:room#alice,bob');
    expect(later.ok && later.spec).not.toBe(first.spec);
    expect(later.ok && later.spec).toEqual(first.spec);
  });

  it('keeps refusing bad names, whether asked once or often', () => {
    const channels = registry();
    for (let i = 0; i < 3; i++) {
      expect(channels.resolve('nope:room')).toMatchObject({ ok: false, error: { code: 102 } });
      expect(channels.resolve('chat:é')).toMatchObject({ ok: false, error: { code: 107 } });
    }
  });
});
