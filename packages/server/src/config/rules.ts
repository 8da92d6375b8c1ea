import { createPublicKey } from 'node:crypto';
import { isInsecureOrigin, isMatchAllPattern } from '../policy/origin.js';
import type { RealtimeConfig } from './types.js';

const UNSAFE_OVERRIDE = 'or set client.allow_unsafe_origins: true if you really mean it';

function originProblems(config: RealtimeConfig): string[] {
  if (config.environment !== 'production' || config.client.allow_unsafe_origins) return [];
  const problems: string[] = [];
  config.client.allowed_origins.forEach((origin, i) => {
    const path = `client.allowed_origins[${i}]: ${JSON.stringify(origin)}`;
    if (isMatchAllPattern(origin)) problems.push(`${path} lets every site connect in the production profile — list your front-end origins, ${UNSAFE_OVERRIDE}`);
    else if (isInsecureOrigin(origin)) problems.push(`${path} is not https in the production profile — use https://, ${UNSAFE_OVERRIDE}`);
  });
  return problems;
}

function keyProblems(config: RealtimeConfig): string[] {
  const problems: string[] = [];
  const token = config.client.token;
  for (const field of ['rsa_public_key', 'ecdsa_public_key'] as const) {
    const pem = token[field];
    if (!pem) continue;
    try {
      createPublicKey(pem);
    } catch (error) {
      problems.push(`client.token.${field}: not a readable PEM public key (${(error as Error).message}) — paste the whole -----BEGIN PUBLIC KEY----- block`);
    }
  }
  if (token.jwks_public_endpoint && !/^https?:\/\//.test(token.jwks_public_endpoint)) {
    problems.push(`client.token.jwks_public_endpoint: ${JSON.stringify(token.jwks_public_endpoint)} is not an http(s) URL`);
  }
  return problems;
}

function hasTokenKey(config: RealtimeConfig): boolean {
  const t = config.client.token;
  return Boolean(t.hmac_secret_key || t.rsa_public_key || t.ecdsa_public_key || t.jwks_public_endpoint);
}

function profileProblems(config: RealtimeConfig): string[] {
  const problems: string[] = [];
  const profile = config.environment;
  if (profile === 'local') return problems;
  if (!hasTokenKey(config) && !config.client.allow_anonymous_connect_without_token) {
    problems.push(`client.token: no key to verify connection tokens in the ${profile} profile — set client.token.hmac_secret_key (REALTIME_CLIENT_TOKEN_HMAC_SECRET_KEY), rsa_public_key, ecdsa_public_key or jwks_public_endpoint`);
  }
  if (config.http_api.key === '' && !config.http_api.insecure) {
    problems.push(`http_api.key: empty in the ${profile} profile — set an API key for back ends (REALTIME_HTTP_API_KEY)`);
  }
  if (profile === 'production') {
    if (config.client.insecure) problems.push('client.insecure: true is refused in the production profile — it turns off every permission check');
    if (config.http_api.insecure) problems.push('http_api.insecure: true is refused in the production profile — anyone could publish');
  }
  return problems;
}

function channelProblems(config: RealtimeConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  config.channel.namespaces.forEach((ns, i) => {
    if (seen.has(ns.name)) problems.push(`channel.namespaces[${i}].name: "${ns.name}" is defined twice`);
    seen.add(ns.name);
    if (ns.channel_regex) {
      try {
        new RegExp(ns.channel_regex);
      } catch {
        problems.push(`channel.namespaces[${i}].channel_regex: ${JSON.stringify(ns.channel_regex)} is not a valid regular expression`);
      }
    }
  });
  return problems;
}

/** Rules that span several settings or depend on the profile, checked after the schema. */
export function crossFieldProblems(config: RealtimeConfig): string[] {
  return [...originProblems(config), ...keyProblems(config), ...profileProblems(config), ...channelProblems(config)];
}
