const REDACTED = '<redacted>';
const SECRET_KEYS = new Set(['hmac_secret_key', 'hmac_previous_secret_key', 'key', 'password', 'secret']);

function redactUrlPassword(text: string): string {
  try {
    const url = new URL(text);
    if (!url.password) return text;
    url.password = REDACTED;
    return url.toString();
  } catch {
    return text;
  }
}

/** A copy of the config safe to print: secrets replaced, passwords in URLs hidden; public keys stay. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => redactConfig(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  if (typeof value !== 'string' || value === '') return value;
  if (SECRET_KEYS.has(key) || /secret|password/.test(key)) return REDACTED;
  if (/_url$|address$/.test(key)) return redactUrlPassword(value);
  return value;
}
