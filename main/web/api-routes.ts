import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { exportOptionsSchema } from '../../core/contract/export.ts';
import {
  inspectDatasetRequestSchema,
  MAX_MODEL_FILE_BYTES,
  resumeRunRequestSchema,
  renameRunRequestSchema,
  runIdSchema,
} from '../../core/contract/host.ts';
import { builtInDatasetInfos } from '../datasets/index.ts';
import { receiveDatasetZip } from './dataset-upload.ts';
import { listExamples } from '../app-host/examples.ts';
import { HttpError, readBody, readJsonBody, sendJson } from './http-util.ts';
import { readModelConfig } from '../runs/onnx-file.ts';
import type { InspectDataset } from '../processes/inspect-runner.ts';
import { listSavedRuns, loadSavedRun } from '../runs/saved-runs.ts';
import { renameSavedRun } from '../runs/run-name.ts';
import { listSavedSweeps } from '../runs/saved-sweeps.ts';
import { exportRunFiles, zipExport } from '../export/index.ts';
import { checkRunRequest, describeIssues } from '../processes/run-request.ts';
import type { RunSupervisor } from '../processes/run-supervisor.ts';

export interface ApiContext {
  readonly supervisor: RunSupervisor;
  readonly runsDir: string;
  readonly examplesDir: string;
  /** Where uploaded datasets are unpacked, one folder each. */
  readonly datasetsDir: string;
  readonly inspect: InspectDataset;
  readonly log: (line: string) => void;
}

type Handler = (req: IncomingMessage, res: ServerResponse, runId: string) => Promise<void>;

interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly pattern: RegExp;
  readonly handle: Handler;
}

function routes(ctx: ApiContext): readonly Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/examples$/,
      handle: async (_req, res) =>
        sendJson(
          res,
          200,
          await listExamples(ctx.examplesDir, (file, reason) =>
            ctx.log(`The example ${file} was left out: ${reason}`),
          ),
        ),
    },
    {
      method: 'GET',
      pattern: /^\/api\/datasets$/,
      handle: async (_req, res) => sendJson(res, 200, builtInDatasetInfos()),
    },
    {
      method: 'POST',
      pattern: /^\/api\/datasets\/inspect$/,
      handle: async (req, res) => {
        const parsed = inspectDatasetRequestSchema.safeParse(await readJsonBody(req));
        if (!parsed.success) {
          throw new HttpError(400, describeIssues('The inspection request', parsed.error));
        }
        // A page that goes away stops its inspection's process.
        const abandoned = new AbortController();
        res.once('close', () => res.writableFinished || abandoned.abort());
        sendJson(res, 200, await ctx.inspect(parsed.data, abandoned.signal));
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/datasets\/upload$/,
      handle: async (req, res) => {
        const name = new URL(req.url ?? '/', 'http://localhost').searchParams.get('name');
        sendJson(res, 200, await receiveDatasetZip(req, ctx.datasetsDir, name ?? 'dataset.zip'));
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/models\/read$/,
      handle: async (req, res) => {
        const name = new URL(req.url ?? '/', 'http://localhost').searchParams.get('name');
        const bytes = await readBody(req, MAX_MODEL_FILE_BYTES);
        sendJson(res, 200, { model: await readModelConfig(bytes, name ?? 'the model file') });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/runs$/,
      handle: async (req, res) => {
        // Checked here too, so a graph with a mistake costs no training process.
        const checked = checkRunRequest(await readJsonBody(req));
        if (!checked.ok) throw new HttpError(400, checked.message);
        const runId = ctx.supervisor.start({
          graph: checked.graph,
          settings: checked.overrides,
          ...(checked.name !== undefined ? { name: checked.name } : {}),
        });
        sendJson(res, 200, { runId });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/runs$/,
      handle: async (_req, res) =>
        sendJson(
          res,
          200,
          await listSavedRuns(ctx.runsDir, (folder, reason) =>
            ctx.log(`The run folder ${folder} was left out of the list: ${reason}`),
          ),
        ),
    },
    {
      method: 'GET',
      pattern: /^\/api\/sweeps$/,
      handle: async (_req, res) =>
        sendJson(
          res,
          200,
          await listSavedSweeps(ctx.runsDir, (folder, reason) =>
            ctx.log(`The sweep folder ${folder} was left out of the list: ${reason}`),
          ),
        ),
    },
    {
      method: 'GET',
      pattern: /^\/api\/runs\/([^/]+)$/,
      handle: async (_req, res, runId) =>
        sendJson(res, 200, await loadSavedRun(ctx.runsDir, runId)),
    },
    {
      method: 'PATCH',
      pattern: /^\/api\/runs\/([^/]+)$/,
      handle: async (req, res, runId) => {
        const body = (await readJsonBody(req)) as unknown;
        const parsed = renameRunRequestSchema.safeParse({
          runId,
          name: (body as { name?: unknown } | null)?.name,
        });
        if (!parsed.success) {
          throw new HttpError(400, describeIssues('The rename request', parsed.error));
        }
        // This session's runs and earlier ones are all folders of the runs folder.
        await renameSavedRun(ctx.runsDir, runId, parsed.data.name);
        res.writeHead(204).end();
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/runs\/([^/]+)\/resume$/,
      handle: async (req, res, runId) => {
        const parsed = resumeRunRequestSchema.safeParse(await readJsonBody(req));
        if (!parsed.success)
          throw new HttpError(400, describeIssues('The resume request', parsed.error));
        const id = runIdSchema.safeParse(runId);
        if (!id.success) throw new HttpError(404, `There is no run '${runId}'.`);
        sendJson(res, 200, { runId: ctx.supervisor.resume(id.data, parsed.data) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/runs\/([^/]+)\/stop$/,
      handle: async (_req, res, runId) => {
        ctx.supervisor.stop(runId);
        res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/runs\/([^/]+)\/export$/,
      handle: async (req, res, runId) => {
        const query = new URL(req.url ?? '', 'http://host').searchParams;
        const options = exportOptionsSchema.safeParse({
          format: query.get('format') ?? undefined,
          checkpoint: query.get('checkpoint') ?? undefined,
        });
        if (!options.success) {
          throw new HttpError(400, describeIssues('The export request', options.error));
        }
        // Runs of earlier sessions live in the same folder and export the same way.
        const dir = ctx.supervisor.get(runId)?.out ?? join(ctx.runsDir, runId);
        const zip = zipExport(await exportRunFiles(dir, options.data, runId));
        const { format, checkpoint } = options.data;
        res.writeHead(200, {
          'Content-Type': 'application/zip',
          'Content-Length': zip.byteLength,
          'Content-Disposition': `attachment; filename="${runId}-${checkpoint}-${format}.zip"`,
          'Cache-Control': 'no-store',
        });
        res.end(zip);
      },
    },
  ];
}

/** The API behind the token; throws HttpError or StudioError for the server to answer. */
export function createApi(ctx: ApiContext) {
  const table = routes(ctx);
  return async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const matching = table.filter((route) => route.pattern.test(pathname));
    if (matching.length === 0) throw new HttpError(404, `There is no API endpoint ${pathname}.`);
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      res.setHeader('Allow', matching.map((r) => r.method).join(', '));
      throw new HttpError(405, `${pathname} does not answer ${req.method ?? 'this method'}.`);
    }
    const raw = route.pattern.exec(pathname)?.[1];
    let runId = '';
    if (raw !== undefined) {
      const decoded = (() => {
        try {
          return decodeURIComponent(raw);
        } catch {
          return raw;
        }
      })();
      // A run id names a folder: nothing but the id's own characters may reach the disk.
      if (!runIdSchema.safeParse(decoded).success) {
        throw new HttpError(404, `There is no run '${decoded}'.`);
      }
      runId = decoded;
    }
    await route.handle(req, res, runId);
  };
}
