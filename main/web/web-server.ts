import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname, join, resolve } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import type { HostEvent } from '../../core/contract/host.ts';
import { createApi } from './api-routes.ts';
import { createInspectRunner, type InspectDataset } from '../processes/inspect-runner.ts';
import { askProcessWhereStuck } from '../runs/stuck-place.ts';
import { allowedHosts, securityHeaders, sendError, statusOf, tokenMatches } from './http-util.ts';
import {
  createRunSupervisor,
  type RunSupervisor,
  type TrainingChild,
} from '../processes/run-supervisor.ts';
import { serveStatic } from './static-files.ts';

export interface WebHostOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The built renderer (index.html and its assets). */
  readonly staticDir: string;
  readonly runsDir: string;
  readonly examplesDir: string;
  /** Where uploaded datasets are unpacked; a `datasets` folder beside the runs folder if absent. */
  readonly datasetsDir?: string;
  /** For tests: inspection in this process instead of a child process. */
  readonly inspect?: InspectDataset;
  /** For tests: a fake training process. */
  readonly spawn?: () => TrainingChild;
  readonly stopTimeoutMs?: number;
  /** Runs that may train at once (default 1): each is a process with a whole model in memory. */
  readonly maxRuns?: number;
  /** A run without a finished batch for this long is ended as stuck (default: 10 minutes). */
  readonly stallTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface WebHost {
  readonly url: string;
  readonly token: string;
  readonly port: number;
  readonly supervisor: RunSupervisor;
  /** Stops every run, closes every socket and the server. */
  close(): Promise<void>;
}

const EVENTS_PATH = '/api/events';
export const DEFAULT_MAX_RUNS = 1;
/** A socket this far behind gets no more batch events until it catches up; epochs still go. */
const SLOW_SOCKET_BYTES = 4 * 1024 * 1024;

const TOKEN_MISSING =
  'This request needs the session token that Multitask Studio printed when it started (the X-Studio-Token header, or ?token= for the event stream).';

function refuseUpgrade(socket: Duplex, status: number, reason: string, sentence: string): void {
  const body = JSON.stringify({ error: sentence });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The browser host: serves the built renderer and the engine's API on a loopback address, to
 * whoever holds this start's random token. Training runs in child processes; their events
 * reach every connected page over one WebSocket each.
 */
export async function createWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  const token = randomBytes(32).toString('hex');
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runsDir = resolve(options.runsDir);
  const supervisor = createRunSupervisor({
    runsDir,
    log,
    // A test's fake process is spawned per run; real ones are kept one ahead of the next Start.
    // Real ones answer where they are stuck when a run stalls.
    ...(options.spawn
      ? { spawn: options.spawn }
      : { spare: true, whereStuck: askProcessWhereStuck }),
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
    ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
    maxRuns: options.maxRuns ?? DEFAULT_MAX_RUNS,
    maxRunsHint: 'start the server with --max-runs N to allow more',
  });
  const api = createApi({
    supervisor,
    runsDir,
    examplesDir: options.examplesDir,
    datasetsDir: resolve(options.datasetsDir ?? join(dirname(runsDir), 'datasets')),
    inspect: options.inspect ?? createInspectRunner(),
    log,
  });
  // Known once the server listens; every check below runs after that.
  let port = 0;
  let hosts: ReadonlySet<string> = new Set();

  const hostAllowed = (req: IncomingMessage) => hosts.has(req.headers.host ?? '');
  const hostRefusal = () =>
    `This server answers only requests addressed to 127.0.0.1:${port} or localhost:${port}.`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(securityHeaders(port))) res.setHeader(name, value);
    if (!hostAllowed(req)) return sendError(res, 403, hostRefusal());
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (pathname === '/api' || pathname.startsWith('/api/')) {
        if (!tokenMatches(req.headers['x-studio-token'] as string | undefined, token)) {
          return sendError(res, 401, TOKEN_MISSING);
        }
        return await api(req, res, pathname);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return sendError(res, 405, `${pathname} answers only GET.`);
      }
      return await serveStatic(options.staticDir, pathname, res, req.method === 'HEAD');
    } catch (e) {
      const status = statusOf(e);
      if (status === 500)
        log(`The server could not answer ${req.method} ${pathname}: ${(e as Error).stack}`);
      if (res.headersSent) return void res.destroy();
      sendError(
        res,
        status,
        status === 500
          ? `The server could not answer: ${(e as Error).message}`
          : (e as Error).message,
      );
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!hostAllowed(req)) return refuseUpgrade(socket, 403, 'Forbidden', hostRefusal());
    const origin = req.headers.origin;
    // Browsers always say where a socket is opened from; only our own page may open one.
    if (origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, ''))) {
      return refuseUpgrade(
        socket,
        403,
        'Forbidden',
        `A page from ${origin} may not open the event stream.`,
      );
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== EVENTS_PATH) {
      return refuseUpgrade(
        socket,
        404,
        'Not Found',
        `There is no event stream at ${url.pathname}.`,
      );
    }
    if (!tokenMatches(url.searchParams.get('token'), token)) {
      return refuseUpgrade(socket, 401, 'Unauthorized', TOKEN_MISSING);
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });

  // Pages only listen; a socket's own failure closes that socket and nothing else.
  sockets.on('connection', (ws) => ws.on('error', () => ws.terminate()));

  const broadcast = (event: HostEvent) => {
    const text = JSON.stringify(event);
    const droppable = event.type === 'run' && event.event.type === 'batch';
    for (const client of sockets.clients) {
      if (client.readyState !== WebSocket.OPEN) continue;
      if (droppable && client.bufferedAmount > SLOW_SOCKET_BYTES) continue;
      client.send(text);
    }
  };
  const unsubscribe = supervisor.onEvent(broadcast);

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  hosts = new Set([...allowedHosts(port), `${host}:${port}`]);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await supervisor.stopAll();
      unsubscribe();
      for (const client of sockets.clients) client.close(1001, 'The server is shutting down.');
      await new Promise<void>((done) => sockets.close(() => done()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    })();
    return closing;
  };

  return { url: `http://127.0.0.1:${port}/`, token, port, supervisor, close };
}
