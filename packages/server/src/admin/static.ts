import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/dashboard/dist, from packages/server/src/admin or packages/server/dist/admin alike. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../../../apps/dashboard/dist', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** The page runs only its own scripts and styles and talks only to its own origin. */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A small self-contained page for when the dashboard cannot be shown: why, and what to do. */
export function sendNotice(res: ServerResponse, status: number, title: string, paragraphs: string[]): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>` +
    paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('') + `</main></body></html>`;
  send(res, status, CONTENT_TYPES['.html']!, body, { 'Cache-Control': 'no-store' });
}

/**
 * Serves the built dashboard under `/admin/`. The page routes with the URL hash, so every
 * non-asset path gets index.html. Paths are normalised and must stay inside the assets folder.
 */
export async function serveDashboard(assetsDir: string, subPath: string, res: ServerResponse): Promise<void> {
  const isAsset = subPath.startsWith('/assets/') || extname(subPath) !== '';
  const file = normalize(join(assetsDir, isAsset ? subPath : 'index.html'));
  if (!file.startsWith(assetsDir + sep)) return sendNotice(res, 404, 'Not found', [subPath]);
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch {
    if (isAsset) return sendNotice(res, 404, 'Not found', [`No file ${subPath} in the dashboard build.`]);
    return sendNotice(res, 503, 'Admin dashboard not built', [
      `The gateway serves the dashboard from ${assetsDir}, which has no index.html.`,
      'Build it with: npm run build -w @renum-realtime/dashboard',
    ]);
  }
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
  // Vite names assets by content hash, so they never change; index.html must always be fresh.
  const cache = subPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store';
  send(res, 200, type, content, { 'Cache-Control': cache });
}
