const REDACTED = '<redacted>';

/** Key names that hold credentials; public keys and endpoints are not secret and stay readable. */
export function isSecretKey(name: string): boolean {
  const key = name.toLowerCase();
  if (key.includes('public')) return false;
  // key_pem: Centrifugo's TLS private key, as PEM text or a path.
  return /secret|password|passwd|credential|private/.test(key) || /(^|_)key(_pem)?$/.test(key) || key === 'token' || key.endsWith('_token');
}

/** `redis://user:pass@host` → `redis://user:<redacted>@host`, for any URL-shaped value. */
function redactUrlPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]+@/i, `$1${REDACTED}@`);
}

function redactValue(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((item) => redactValue(item, ''));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  if (typeof value !== 'string' || value === '') return value;
  return isSecretKey(key) ? REDACTED : redactUrlPassword(value);
}

/**
 * A plain copy of the config that is safe to print or serve: every credential replaced by
 * "<redacted>", passwords inside URLs too. An empty secret stays "" so that "not set" shows.
 */
export function redactConfig(config: object): Record<string, unknown> {
  return redactValue(config, '') as Record<string, unknown>;
}
