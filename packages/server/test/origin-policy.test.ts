import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCheckOrigin } from '../src/cli/check-origin.js';
import { defaultAllowedOrigins } from '../src/config/schema.js';
import { corsHeaders, isInsecureOrigin, isMatchAllPattern, OriginPolicy } from '../src/policy/origin.js';

const PROFILES = {
  local: { patterns: defaultAllowedOrigins('local'), allowed: ['http://localhost:3000', 'http://127.0.0.1:5173', 'HTTP://LOCALHOST:8080'], denied: ['https://localhost:3000', 'http://localhost.evil.com:3000', 'http://localhost', 'https://renum.com.br'] },
  staging: { patterns: defaultAllowedOrigins('staging'), allowed: [], denied: ['http://localhost:3000', 'https://renum.com.br'] },
  production: {
    patterns: ['https://renum.com.br', 'https://www.renum.com.br', 'https://renum-*.vercel.app'],
    allowed: ['https://renum.com.br', 'https://WWW.Renum.com.br', 'https://renum-git-main.vercel.app', 'https://renum-pr-12-team.vercel.app'],
    denied: [
      'http://renum.com.br', 'https://renum.com.br:8443', 'https://api.renum.com.br', 'https://renum.evil.com',
      'https://evil.com/renum-x.vercel.app', 'https://renum-x.vercel.app.evil.com', 'https://renum-x.vercel.app/',
      'https://evilrenum-x.vercel.app', 'https://renum.com.br@evil.com', 'https://x.vercel.app', 'null',
    ],
  },
};

describe.each(Object.entries(PROFILES))('OriginPolicy, %s profile', (profile, { patterns, allowed, denied }) => {
  const policy = new OriginPolicy(patterns, profile);

  it.each(allowed)('allows %s and names the rule', (origin) => {
    const decision = policy.check(origin);
    expect(decision.allowed).toBe(true);
    expect(patterns).toContain(decision.rule);
    expect(corsHeaders(policy, origin)?.['Access-Control-Allow-Origin']).toBe(origin);
  });

  it.each(denied)('denies %s', (origin) => {
    expect(policy.check(origin)).toEqual({ allowed: false, reason: `origin ${JSON.stringify(origin)} is not in client.allowed_origins (${profile} profile)` });
    expect(corsHeaders(policy, origin)).toBeNull();
  });

  it('allows a request without Origin (non-browser client)', () => {
    for (const origin of [undefined, '']) {
      expect(policy.check(origin)).toEqual({ allowed: true, reason: 'no Origin header (non-browser client)' });
      expect(corsHeaders(policy, origin)).toBeNull();
    }
  });
});

describe('OriginPolicy patterns', () => {
  it('matches the rule that allowed, with upper-case patterns too', () => {
    const policy = new OriginPolicy(['https://App.Example.com', 'https://*.example.com'], 'production');
    expect(policy.check('https://app.example.com')).toMatchObject({ allowed: true, rule: 'https://App.Example.com' });
    expect(policy.check('https://a.example.com')).toMatchObject({ allowed: true, rule: 'https://*.example.com' });
  });

  it('lets * in a host stand for one DNS label, never for several', () => {
    const policy = new OriginPolicy(['https://*.example.com', 'https://renum-*.vercel.app'], 'production');
    expect(policy.check('https://a.b.example.com').allowed).toBe(false);
    expect(policy.check('https://renum-a.b.vercel.app').allowed).toBe(false);
    expect(policy.check('https://renum-pr-7.vercel.app').allowed).toBe(true);
    expect(policy.check('https://.example.com').allowed).toBe(false);
  });

  it('normalises hosts with IDNA on both sides before matching', () => {
    const policy = new OriginPolicy(['https://bücher.example', 'https://*.renum.com.br'], 'production');
    expect(policy.check('https://xn--bcher-kva.example')).toMatchObject({ allowed: true, rule: 'https://bücher.example' });
    // An ideographic full stop is a dot to IDNA: it cannot smuggle two labels into one wildcard.
    expect(policy.check('https://evil\u3002x.renum.com.br').allowed).toBe(false);
    expect(policy.check('https://a\u3002renum.com.br')).toMatchObject({ allowed: true });
    expect(policy.check('https://xn--.renum.com.br').allowed).toBe(false);
  });

  it('lets "*" match every origin but "null", which must be listed literally', () => {
    const everything = new OriginPolicy(['*'], 'local');
    expect(everything.check('https://anything.example:1234')).toMatchObject({ allowed: true, rule: '*' });
    expect(everything.check('null').allowed).toBe(false);
    expect(new OriginPolicy(['n*'], 'local').check('null').allowed).toBe(false);
    expect(new OriginPolicy(['null'], 'local').check('null')).toMatchObject({ allowed: true, rule: 'null' });
  });

  it('treats regex metacharacters in patterns literally', () => {
    const policy = new OriginPolicy(['https://renum.com.br', 'https://a+b.example'], 'production');
    expect(policy.check('https://renumxcom.br').allowed).toBe(false);
    expect(policy.check('https://aab.example').allowed).toBe(false);
    expect(policy.check('https://a+b.example').allowed).toBe(true);
  });

  it('only matches port wildcards against digits', () => {
    const policy = new OriginPolicy(['http://localhost:*'], 'local');
    expect(policy.check('http://localhost:65535').allowed).toBe(true);
    expect(policy.check('http://localhost:abc').allowed).toBe(false);
    expect(policy.check('http://localhost:80/x').allowed).toBe(false);
  });
});

describe('origin pattern safety helpers', () => {
  it.each(['*', 'https://*', '*://*', 'https://*.*', 'https://*:443', 'http*', '*.*'])('%s matches every host', (p) => {
    expect(isMatchAllPattern(p)).toBe(true);
  });
  it.each(['https://renum-*.vercel.app', 'https://*.renum.com.br', 'http://localhost:*', 'https://renum.com.br', '*.renum.com', 'null'])('%s does not match every host', (p) => {
    expect(isMatchAllPattern(p)).toBe(false);
  });
  it.each(['http://renum.com.br', 'HTTP://x.example', '*://renum.com.br', 'http*://x.example', '*.renum.com', '*'])('%s can match http://', (p) => {
    expect(isInsecureOrigin(p)).toBe(true);
  });
  it.each(['https://renum.com.br', 'https://*', 'https*', 'null', 'chrome-extension://abc'])('%s cannot match http://', (p) => {
    expect(isInsecureOrigin(p)).toBe(false);
  });
});

describe('corsHeaders', () => {
  const policy = new OriginPolicy(['https://app.example.com'], 'production');

  it('answers an allowed origin, echoing well-formed requested headers', () => {
    expect(corsHeaders(policy, 'https://app.example.com', 'content-type, x-api-key')).toEqual({
      'Access-Control-Allow-Origin': 'https://app.example.com',
      Vary: 'Origin',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
      'Access-Control-Allow-Headers': 'content-type, x-api-key',
      'Access-Control-Max-Age': '600',
    });
    expect(corsHeaders(policy, 'https://app.example.com')?.['Access-Control-Allow-Headers']).toBe('Content-Type, Authorization, X-API-Key');
    expect(corsHeaders(policy, 'https://app.example.com', 'x\r\nSet-Cookie: a=b')?.['Access-Control-Allow-Headers']).toBe('Content-Type, Authorization, X-API-Key');
  });

  it('agrees with check() for every origin', () => {
    for (const origin of ['https://app.example.com', 'https://evil.example', 'null', 'http://app.example.com']) {
      expect(corsHeaders(policy, origin) !== null).toBe(policy.check(origin).allowed);
    }
  });
});

describe('runCheckOrigin', () => {
  let out = '';
  let err = '';
  afterEach(() => vi.restoreAllMocks());
  function capture() {
    out = err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  }
  const configFile = (content: object) => {
    const file = join(mkdtempSync(join(tmpdir(), 'rr-origin-')), 'realtime.json');
    writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const production = {
    environments: { production: { client: { allowed_origins: ['https://renum.com.br', 'https://renum-*.vercel.app'], token: { hmac_secret_key: 's'.repeat(32) } }, http_api: { key: 'k' } } },
  };

  it('prints the deciding rule and exits 0 when allowed, 1 when denied', async () => {
    capture();
    const file = configFile(production);
    expect(await runCheckOrigin(['https://renum-git-main.vercel.app', '--config', file, '--env', 'production'])).toBe(0);
    expect(out).toBe('allowed (rule: https://renum-*.vercel.app, production profile)\n');
    out = '';
    expect(await runCheckOrigin(['https://renum.evil.com', '--config', file, '--env', 'production'])).toBe(1);
    expect(out).toBe('denied: origin "https://renum.evil.com" is not in client.allowed_origins (production profile)\n');
  });

  it('exits 2 on usage and configuration errors', async () => {
    capture();
    expect(await runCheckOrigin([])).toBe(2);
    expect(await runCheckOrigin(['https://a.example', 'https://b.example'])).toBe(2);
    expect(await runCheckOrigin(['https://a.example', '--bogus'])).toBe(2);
    expect(await runCheckOrigin(['https://a.example', '--config', configFile({ client: { ping_interval: 25 } })])).toBe(2);
    expect(err).toContain('client.ping_interval');
    expect(out).toBe('');
  });
});
