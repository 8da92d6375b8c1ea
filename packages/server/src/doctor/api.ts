/** The server API next to a WebSocket URL: same host and port, http(s), path /api. */
export function defaultApiUrl(url: URL): string {
  return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}/api`;
}

export interface ApiAnswer {
  status: number;
  json: any;
}

/** One server API call with the key in X-API-Key; a body that is not JSON is kept as `raw`. */
export async function postApi(apiUrl: string, method: string, apiKey: string, body: unknown, timeoutMs: number): Promise<ApiAnswer> {
  const response = await fetch(`${apiUrl}/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) };
  } catch {
    return { status: response.status, json: { raw: text.slice(0, 200) } };
  }
}
