import { describe, expect, it } from 'vitest';
import { resolveWebSocketUrl, WebSocketUrlError } from '../src/url.js';

function problem(run: () => unknown): WebSocketUrlError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebSocketUrlError);
    return error as WebSocketUrlError;
  }
  throw new Error('expected resolveWebSocketUrl to throw');
}

describe('resolveWebSocketUrl', () => {
  it('returns a usable URL unchanged', () => {
    expect(resolveWebSocketUrl('wss://api.example.com/ws', { pageProtocol: 'https:', environment: 'production' })).toBe('wss://api.example.com/ws');
    expect(resolveWebSocketUrl(' ws://localhost:8000/ws ', { pageProtocol: 'http:', environment: 'development' })).toBe('ws://localhost:8000/ws');
  });

  it.each([undefined, null, '', '   '])('refuses a missing value (%j), naming the variable and where to set it', (value) => {
    const error = problem(() => resolveWebSocketUrl(value));
    expect(error.code).toBe('missing');
    expect(error.message).toContain('NEXT_PUBLIC_WEBSOCKET_URL is not set');
    expect(error.message).toContain('rebuild');
  });

  it('refuses a relative or malformed value', () => {
    const error = problem(() => resolveWebSocketUrl('/ws'));
    expect(error.code).toBe('invalid');
    expect(error.message).toContain('NEXT_PUBLIC_WEBSOCKET_URL="/ws" is not an absolute URL');
  });

  it('refuses http(s) URLs: the socket needs ws:// or wss://', () => {
    const error = problem(() => resolveWebSocketUrl('https://api.example.com/ws'));
    expect(error.code).toBe('not_websocket');
    expect(error.message).toContain('must start with ws:// or wss://');
  });

  it('refuses ws:// from an https:// page (mixed content)', () => {
    const error = problem(() => resolveWebSocketUrl('ws://api.example.com/ws', { pageProtocol: 'https:' }));
    expect(error.code).toBe('mixed_content');
    expect(error.message).toContain('Use wss://');
  });

  it.each(['ws://localhost:8000/ws', 'ws://127.0.0.1:8000/ws', 'wss://app.localhost/ws', 'ws://[::1]:8000/ws'])('refuses %s in a production build', (value) => {
    const error = problem(() => resolveWebSocketUrl(value, { environment: 'production' }));
    expect(error.code).toBe('localhost_in_production');
    expect(error.message).toContain('NEXT_PUBLIC_WEBSOCKET_URL');
    expect(error.message).toContain('public gateway address');
  });

  it('names another variable when asked', () => {
    expect(problem(() => resolveWebSocketUrl('', { variable: 'VITE_WS_URL' })).message).toContain('VITE_WS_URL is not set');
  });
});
