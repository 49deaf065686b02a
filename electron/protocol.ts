import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CONTENT_TYPES } from '../main/app-host/content-types.ts';

/**
 * The app's pages come from its own files through the `app://studio/…` protocol, never from a
 * remote URL: a standard, secure scheme gives the page a real origin ('self' in the CSP, the
 * sender check of every IPC message) without the ambient rights of file://.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Sent with every response of the protocol. Scripts only from the app itself; inline styles
 * because React Flow positions nodes with style attributes; no network at all.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** True for a URL of the app's own pages (navigation inside the app is allowed, nothing else). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * The file under `root` that an `app://studio/…` URL names, or null for any other URL and for a
 * path that would leave `root` (`..`, encoded separators, absolute paths, NUL bytes).
 */
export function resolveAppPath(root: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (path === '' || path === '/') path = '/index.html';
  const base = resolve(root);
  const file = resolve(base, `.${path}`);
  const inside = relative(base, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    return null;
  }
  return file;
}

export interface ServeOptions {
  /** The built renderer: out/renderer. */
  readonly root: string;
  readonly readFile?: (path: string) => Promise<Uint8Array>;
}

const textResponse = (status: number, text: string) =>
  new Response(text, {
    status,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    },
  });

/** The protocol handler: `protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, …))`. */
export async function serveAppRequest(
  request: Pick<Request, 'url' | 'method'>,
  { root, readFile: read = readFile }: ServeOptions,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return textResponse(405, 'Method not allowed');
  }
  const file = resolveAppPath(root, request.url);
  if (!file) return textResponse(404, 'Not found');
  let body: Uint8Array;
  try {
    body = await read(file);
  } catch {
    return textResponse(404, 'Not found');
  }
  return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), {
    status: 200,
    headers: {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    },
  });
}
