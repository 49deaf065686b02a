import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../core/json-depth.ts';
import { StudioError } from '../../core/problems.ts';

export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** An error with the HTTP status it is answered with; the message is the sentence the user reads. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sent with every response, the app's page and the API alike. */
export function securityHeaders(port: number): Record<string, string> {
  const sockets = `ws://127.0.0.1:${port} ws://localhost:${port}`;
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      `connect-src 'self' ${sockets}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

export const sendError = (res: ServerResponse, status: number, sentence: string): void =>
  sendJson(res, status, { error: sentence });

/** The HTTP status of an error the engine explains in a sentence. */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof StudioError) {
    if (error.code === 'E_RUN_LIMIT') return 429;
    return error.code === 'E_RUN_UNKNOWN' || error.code === 'E_MODEL_MISSING' ? 404 : 400;
  }
  return 500;
}

/** Compares in constant time, so the token cannot be guessed a character at a time. */
export function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Only requests addressed to this server by a loopback name: a web page whose own host name
 * resolves to 127.0.0.1 (DNS rebinding) sends its own name and is refused.
 */
export const allowedHosts = (port: number): ReadonlySet<string> =>
  new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

/** The body of a request, refused past `maxBytes` (declared or sent). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(413, `The request body is larger than ${maxBytes / 1024 / 1024} MB.`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The JSON body of a request, at most MAX_BODY_BYTES. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, `The request body is not valid JSON: ${(e as Error).message}.`);
  }
  if (nestsDeeperThan(body)) {
    throw new HttpError(
      400,
      `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; no request of this app does.`,
    );
  }
  return body;
}
