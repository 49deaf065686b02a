/**
 * `npm run web`: builds the renderer, then serves it with the engine on 127.0.0.1, to whoever
 * opens the printed address (it carries this start's token).
 */
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../../core/problems.ts';
import { intFlag, parseCommandArgs } from '../cli/args.ts';
import { stallTimeoutMs } from '../runs/stall-watch.ts';
import { createWebHost, DEFAULT_MAX_RUNS, type WebHost } from './web-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STATIC_DIR = join(ROOT, 'out', 'renderer');
const DEFAULT_PORT = 5177;

const WEB_OPTIONS = {
  port: { type: 'string' },
  'no-build': { type: 'boolean' },
  'runs-dir': { type: 'string' },
  'max-runs': { type: 'string' },
  'stall-minutes': { type: 'string' },
} as const;

async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  try {
    await build({ configFile: join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  } catch (e) {
    // Vite's message draws each error with colours and source frames; its headline lines
    // ("[UNRESOLVED_IMPORT] Could not resolve …") say what to fix.
    // eslint-disable-next-line no-control-regex
    const text = String((e as Error)?.message ?? e).replace(/\u001b\[[0-9;]*m/g, '');
    const lines = text.split('\n');
    const headlines = lines.filter((line) => /^\[[A-Z_]+\]/.test(line));
    const shown = headlines.length ? headlines : lines.slice(0, 1);
    throw new StudioError('E_BUILD', `The renderer did not build:\n  ${shown.join('\n  ')}`);
  }
}

async function listen(
  port: number,
  runsDir: string,
  maxRuns: number,
  stallMs: number,
): Promise<WebHost> {
  try {
    return await createWebHost({
      port,
      maxRuns,
      stallTimeoutMs: stallMs,
      staticDir: STATIC_DIR,
      runsDir,
      examplesDir: join(ROOT, 'assets', 'examples'),
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StudioError(
        'E_PORT_IN_USE',
        `Port ${port} on 127.0.0.1 is already in use; choose another with --port N.`,
      );
    }
    throw e;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('web', argv, WEB_OPTIONS);
  if (positionals.length) {
    throw new StudioError(
      'E_BAD_FLAG',
      `'web' takes no arguments, but got '${positionals.join("', '")}'.`,
    );
  }
  const port = intFlag('port', values.port, 0, 65535) ?? DEFAULT_PORT;
  const runsDir = resolve(values['runs-dir'] ?? 'runs');
  const maxRuns = intFlag('max-runs', values['max-runs'], 1, 64) ?? DEFAULT_MAX_RUNS;
  const stallMs = stallTimeoutMs(values['stall-minutes']);
  if (values['no-build']) {
    await access(join(STATIC_DIR, 'index.html')).catch(() => {
      throw new StudioError(
        'E_NO_BUILD',
        `There is no built renderer in ${STATIC_DIR}; start without --no-build to build it.`,
      );
    });
  } else {
    await buildRenderer();
  }
  const host = await listen(port, runsDir, maxRuns, stallMs);
  process.stdout.write(
    `Multitask Studio is running at ${host.url}?token=${host.token} (Ctrl-C stops it).\n`,
  );
  await new Promise<void>((done) => {
    let interrupts = 0;
    // Ctrl-C, a kill or a closed terminal: stop the runs (each keeps its finished epochs), then
    // the server. A second signal does not wait: the processes stop once the server is gone.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        process.stderr.write('\nStopping the runs and the server (Ctrl-C again to quit now)…\n');
        void host.close().then(done);
      });
    }
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof StudioError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(e.code === 'E_BAD_FLAG' ? 2 : 1);
    }
    process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
