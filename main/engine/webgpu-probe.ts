import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** What the probe learnt of the adapter Dawn would give, or null when it gives none. */
export interface ProbedAdapter {
  readonly description: string;
  readonly isFallbackAdapter: boolean;
}

export interface AdapterProbe {
  readonly adapter: ProbedAdapter | null;
  /** Dawn's and the Vulkan drivers' own first warning, without its source location. */
  readonly said?: string;
}

/**
 * Asks Dawn for an adapter, as startWebGPU would, and prints what it got as JSON. Dawn resolves
 * requestAdapter only once its globals are in place, and the timer keeps the loop alive meanwhile.
 */
const SCRIPT = `
const keepAlive = setInterval(() => {}, 1000);
const { create, globals } = await import(process.argv.at(-1));
for (const [name, value] of Object.entries(globals))
  if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true });
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const info = adapter?.info ?? {};
process.stdout.write(JSON.stringify(adapter ? {
  description: [info.vendor, info.architecture].filter(Boolean).join(' ') + (info.description || info.device ? ' (' + (info.description || info.device) + ')' : ''),
  isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
} : null));
clearInterval(keepAlive);
process.exit(0);
`;

const PROBE_TIMEOUT_MS = 30_000;

/** The first line of a driver's complaint worth repeating: Dawn's warnings and Vulkan's errors. */
function firstComplaint(stderr: string): string | undefined {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^(warning|error):/i.test(l) && !/XDG_RUNTIME_DIR/.test(l));
  return line?.replace(/^(warning|error):\s*/i, '').replace(/\.$/, '');
}

/**
 * Asks for the adapter in a child process whose stderr is kept: a machine with a Vulkan loader and
 * only software drivers (Mesa's lavapipe) makes Dawn and the drivers print their complaints at
 * every start, which belong in the backend line, not on the user's terminal. `modulePath` is Dawn's
 * package (`webgpu`), found by default from here.
 */
export function probeAdapter(
  modulePath: string = createRequire(import.meta.url).resolve('webgpu'),
  script: string = SCRIPT,
): Promise<AdapterProbe> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, pathToFileURL(modulePath).href],
      // Inside Electron's utility process execPath is Electron: make it a plain Node.
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: PROBE_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const said = firstComplaint(stderr);
        if (error) {
          const why = error.killed
            ? `did not answer in ${PROBE_TIMEOUT_MS / 1000} s`
            : `failed${said ? `: ${said}` : ''}`;
          reject(new Error(`Dawn's search for a GPU adapter ${why}`));
          return;
        }
        try {
          const adapter = JSON.parse(stdout) as ProbedAdapter | null;
          resolve({ adapter, ...(said ? { said } : {}) });
        } catch {
          reject(
            new Error(`Dawn's search for a GPU adapter gave no answer${said ? `: ${said}` : ''}`),
          );
        }
      },
    );
  });
}
