import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CONTENT_TYPES } from '../app-host/content-types.ts';
import { HttpError } from './http-util.ts';

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
