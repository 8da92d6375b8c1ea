import { describe, expect, it } from 'vitest';
import { resolveGatewayUrl, resolveRealtimeUrl, resolveWebSocketUrl, WebSocketUrlError } from '../src/url.js';

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

describe('resolveRealtimeUrl and resolveGatewayUrl', () => {
  it('takes a base http(s) URL, or a ws(s) one, for the fallback transports', () => {
    expect(resolveRealtimeUrl('https://rt.example.com', { pageProtocol: 'https:', environment: 'production' })).toBe('https://rt.example.com/');
    expect(resolveRealtimeUrl('wss://rt.example.com/ws')).toBe('wss://rt.example.com/ws');
  });

  it('names NEXT_PUBLIC_REALTIME_URL and refuses what the browser would block', () => {
    const missing = problem(() => resolveRealtimeUrl(''));
    expect(missing.code).toBe('missing');
    expect(missing.message).toContain('NEXT_PUBLIC_REALTIME_URL is not set');
    expect(problem(() => resolveRealtimeUrl('ftp://rt.example.com')).code).toBe('not_websocket');
    const mixed = problem(() => resolveRealtimeUrl('http://rt.example.com', { pageProtocol: 'https:' }));
    expect(mixed.code).toBe('mixed_content');
    expect(mixed.message).toContain('Use https://');
    expect(problem(() => resolveRealtimeUrl('http://localhost:8000', { environment: 'production' })).code).toBe('localhost_in_production');
  });

  it('prefers NEXT_PUBLIC_REALTIME_URL and keeps the NEXT_PUBLIC_WEBSOCKET_URL messages otherwise', () => {
    expect(resolveGatewayUrl({ realtimeUrl: 'https://rt.example.com', webSocketUrl: 'wss://old.example.com/ws' })).toBe('https://rt.example.com/');
    expect(resolveGatewayUrl({ realtimeUrl: '', webSocketUrl: 'wss://old.example.com/ws' })).toBe('wss://old.example.com/ws');
    expect(problem(() => resolveGatewayUrl({})).message).toContain('NEXT_PUBLIC_WEBSOCKET_URL is not set');
  });
});
