import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { HttpError } from './http-util.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export const contentTypeOf = (path: string): string =>
  CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

/**
 * The file a URL path names inside `root`, or an HttpError: nothing outside the folder (`..`,
 * encoded or not, absolute paths, NUL bytes) and no directories.
 */
export async function resolveStaticFile(root: string, pathname: string): Promise<string> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    throw new HttpError(400, `The path ${pathname} is not a valid URL path.`);
  }
  const notFound = new HttpError(404, `There is no file ${decoded}.`);
  if (decoded.includes('\0') || decoded.includes('\\')) throw notFound;
  const wanted = decoded === '/' || decoded === '' ? '/index.html' : decoded;
  const base = resolve(root);
  const path = resolve(base, `.${wanted}`);
  const inside = relative(base, path);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw notFound;
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw notFound;
  return path;
}

/** Serves a file of the built renderer (GET or HEAD). */
export async function serveStatic(
  root: string,
  pathname: string,
  res: ServerResponse,
  headOnly: boolean,
): Promise<void> {
  const path = await resolveStaticFile(root, pathname);
  const body = await readFile(path);
  res.writeHead(200, {
    'Content-Type': contentTypeOf(path),
    'Content-Length': body.byteLength,
    // The page carries no secrets but must never be stale after a rebuild.
    'Cache-Control': 'no-cache',
  });
  res.end(headOnly ? undefined : body);
}
