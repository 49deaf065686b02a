import { z } from 'zod';
import { DEFAULT_EXPORT } from '../../../core/contract/export.ts';
import {
  datasetInfoSchema,
  datasetInspectionSchema,
  exampleGraphSchema,
  hostEventSchema,
  modelFileSchema,
  savedRunInfoSchema,
  savedRunSchema,
  savedSweepSchema,
  type HostEvent,
  type StudioHost,
} from '../../../core/contract/host.ts';

/** What the browser host uses of the page; the defaults are the browser's own. */
export interface BrowserEnv {
  readonly fetch: typeof fetch;
  readonly openSocket: (url: string) => WebSocket;
  readonly storage: Pick<Storage, 'getItem' | 'setItem'>;
  /** Saves a file the way a browser does: a download. */
  readonly download: (blob: Blob, filename: string) => void;
}

const TOKEN_KEY = 'multitask-studio.token';
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it starts; give it time to.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const browserEnv = (): BrowserEnv => ({
  fetch: (input, init) => fetch(input, init),
  openSocket: (url) => new WebSocket(url),
  storage: sessionStorage,
  download: downloadBlob,
});

/** The token of this server start: from the address the server printed, or this tab's memory. */
function sessionToken(location: Pick<Location, 'search'>, storage: BrowserEnv['storage']): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY) ?? '';
}

async function errorSentence(res: Response): Promise<string> {
  const body: unknown = await res.json().catch(() => undefined);
  const error = (body as { error?: unknown } | undefined)?.error;
  return typeof error === 'string'
    ? error
    : `The Multitask Studio server answered ${res.status} ${res.statusText}.`;
}

/**
 * The renderer's host when the app runs in a browser: the local server `npm run web` starts,
 * over fetch for requests and one WebSocket for events.
 */
export function createBrowserHost(
  location: Pick<Location, 'search' | 'host' | 'protocol'>,
  env: BrowserEnv = browserEnv(),
): StudioHost {
  const token = sessionToken(location, env.storage);

  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    let res: Response;
    try {
      res = await env.fetch(`/api/${path}`, {
        ...init,
        headers: {
          'X-Studio-Token': token,
          ...(init.body ? { 'Content-Type': 'application/json' } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      });
    } catch {
      throw new Error(
        'The Multitask Studio server does not answer; is `npm run web` still running?',
      );
    }
    if (!res.ok) throw new Error(await errorSentence(res));
    return res;
  };
  const json = async <T>(schema: z.ZodType<T>, path: string, init?: RequestInit): Promise<T> =>
    schema.parse(await (await request(path, init)).json());

  const listeners = new Set<(event: HostEvent) => void>();
  let socket: WebSocket | undefined;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const socketUrl = () =>
    `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/events?token=${encodeURIComponent(token)}`;

  const connect = () => {
    const ws = env.openSocket(socketUrl());
    socket = ws;
    ws.onopen = () => {
      retryMs = FIRST_RETRY_MS;
    };
    ws.onmessage = (message: MessageEvent) => {
      let data: unknown;
      try {
        data = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const parsed = hostEventSchema.safeParse(data);
      if (!parsed.success) return;
      for (const listener of [...listeners]) listener(parsed.data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = undefined;
      if (listeners.size === 0) return;
      // The server restarted or the network dropped: try again, less and less often.
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
  };

  const disconnect = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    const ws = socket;
    socket = undefined;
    ws?.close();
  };

  return {
    kind: 'browser',
    listExamples: () => json(z.array(exampleGraphSchema), 'examples'),
    listDatasets: () => json(z.array(datasetInfoSchema), 'datasets'),
    inspectDataset: (body) =>
      json(datasetInspectionSchema, 'datasets/inspect', {
        method: 'POST',
        body: JSON.stringify(body),
      }),
    async chooseDataset(choice) {
      if (choice.kind !== 'upload') {
        throw new Error(
          'A browser cannot hand the server a file or folder by its path; type the path on the server’s machine, or upload the dataset as a zip.',
        );
      }
      const answer = await json(
        z.object({ path: z.string() }),
        `datasets/upload?name=${encodeURIComponent(choice.name)}`,
        { method: 'POST', body: choice.data, headers: { 'Content-Type': 'application/zip' } },
      );
      return answer.path;
    },
    readModelFile: (name, data) =>
      json(modelFileSchema, `models/read?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        body: data,
        headers: { 'Content-Type': 'application/octet-stream' },
      }),
    startRun: (body) =>
      json(z.object({ runId: z.string() }), 'runs', { method: 'POST', body: JSON.stringify(body) }),
    async stopRun(runId) {
      await request(`runs/${encodeURIComponent(runId)}/stop`, { method: 'POST' });
    },
    resumeRun: (runId, body = {}) =>
      json(z.object({ runId: z.string() }), `runs/${encodeURIComponent(runId)}/resume`, {
        method: 'POST',
        body: JSON.stringify(body),
      }),
    async renameRun(runId, name) {
      await request(`runs/${encodeURIComponent(runId)}`, {
        method: 'PATCH',
        body: JSON.stringify({ name }),
      });
    },
    async exportRun(runId, { format, checkpoint } = DEFAULT_EXPORT) {
      const query = new URLSearchParams({ format, checkpoint });
      const res = await request(`runs/${encodeURIComponent(runId)}/export?${query}`);
      env.download(await res.blob(), `${runId}-${checkpoint}-${format}.zip`);
    },
    listRuns: () => json(z.array(savedRunInfoSchema), 'runs'),
    openRun: (runId) => json(savedRunSchema, `runs/${encodeURIComponent(runId)}`),
    listSweeps: () => json(z.array(savedSweepSchema), 'sweeps'),
    onEvent(listener) {
      listeners.add(listener);
      if (!socket && retryTimer === undefined) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) disconnect();
      };
    },
  };
}
