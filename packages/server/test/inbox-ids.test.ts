import { describe, expect, it } from 'vitest';
import { uuidv7Generator } from '../src/inbox/service.js';

describe('inbox notification ids', () => {
  it('are RFC 9562 version 7 UUIDs carrying the creation millisecond', () => {
    const id = uuidv7Generator()(Date.UTC(2026, 10, 29));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 10, 29));
  });

  it('sort in creation order, also within one millisecond', () => {
    const next = uuidv7Generator();
    const ids = [...Array.from({ length: 1000 }, () => next(1_000)), next(1_001), next(1_001), next(2_000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
