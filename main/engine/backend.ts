import { BACKEND_NAMES, type BackendInfo, type BackendName } from '../../core/contract/training.ts';
import { StudioError } from '../../core/problems.ts';
import { firstLine, importOptional } from './optional-package.ts';
import { tf } from './tf.ts';
import { startWasm } from './wasm/start.ts';
import { releaseWebGPU, startWebGPU, type WebGPUOptions } from './webgpu.ts';

type Fallback = BackendInfo['fallbacks'][number];

/** WebGPU's are for tests only; `threads` is the WebAssembly backend's (`--threads`). */
export type BackendOptions = WebGPUOptions & {
  /** Default: every core, up to 8. A process starts the WebAssembly backend once. */
  readonly threads?: number;
};

interface Candidate {
  readonly name: BackendName;
  /** Loads and selects the backend, or throws with the reason it is unavailable. */
  readonly start: (options: BackendOptions) => Promise<string>;
}

async function startNative(pkg: string, needs: string): Promise<string> {
  await importOptional(pkg, needs);
  if (!(await tf.setBackend('tensorflow')))
    throw new Error(`${pkg} loaded but its backend did not start`);
  return `native TensorFlow through ${pkg}`;
}

/** Best first. Each names what it needs, so a fallback says why in words a user can act on. */
const CANDIDATES: readonly Candidate[] = [
  {
    name: 'tensorflow-gpu',
    start: () =>
      startNative(
        '@tensorflow/tfjs-node-gpu',
        'it needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1, and downloads TensorFlow when it installs',
      ),
  },
  { name: 'webgpu', start: startWebGPU },
  {
    name: 'tensorflow',
    start: () =>
      startNative('@tensorflow/tfjs-node', 'it downloads the TensorFlow library when it installs'),
  },
  { name: 'wasm', start: (options) => startWasm(options.threads) },
  {
    name: 'cpu',
    start: async () => {
      if (!(await tf.setBackend('cpu'))) throw new Error('the CPU backend did not start');
      return 'plain JavaScript CPU (very slow for convolutions)';
    },
  },
];

let current:
  { info: BackendInfo; prefer: BackendName | undefined; options: BackendOptions } | undefined;

export const isBackendName = (name: string): name is BackendName =>
  (BACKEND_NAMES as readonly string[]).includes(name);

/**
 * Picks the best backend this machine can run — tfjs-node-gpu, WebGPU, tfjs-node, WebAssembly,
 * plain CPU — and says why each better one was not used. `prefer` starts at that backend instead
 * (for tests and `--backend`); the environment variable MTS_BACKEND does the same.
 */
export async function initBackend(
  prefer: BackendName | undefined = envPreference(),
  options: BackendOptions = {},
): Promise<BackendInfo> {
  if (
    current &&
    current.prefer === prefer &&
    current.options.allowFallbackAdapter === options.allowFallbackAdapter &&
    current.options.threads === options.threads
  ) {
    return current.info;
  }
  const fallbacks: Fallback[] = [];
  const start = prefer ? CANDIDATES.findIndex((c) => c.name === prefer) : 0;
  for (const skipped of CANDIDATES.slice(0, start)) {
    fallbacks.push({
      backend: skipped.name,
      reason: `not tried: the ${prefer} backend was asked for`,
    });
  }
  for (const candidate of CANDIDATES.slice(start)) {
    try {
      const description = await candidate.start(options);
      await tf.ready();
      const info: BackendInfo = { name: candidate.name, description, fallbacks };
      current = { info, prefer, options };
      return info;
    } catch (e) {
      fallbacks.push({ backend: candidate.name, reason: firstLine(e) });
    }
  }
  throw new StudioError(
    'E_NO_BACKEND',
    `No TensorFlow.js backend could start: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}.`,
  );
}

/**
 * Lets go of the GPU (WebGPU's device) so the process can exit and nothing GPU-side outlives
 * the runs; the next initBackend starts afresh. Called when a process has finished its runs.
 */
export async function releaseBackend(): Promise<void> {
  current = undefined;
  await releaseWebGPU();
}

function envPreference(): BackendName | undefined {
  const value = process.env.MTS_BACKEND;
  if (!value) return undefined;
  if (!isBackendName(value)) {
    throw new StudioError(
      'E_BAD_BACKEND',
      `MTS_BACKEND is '${value}' but must be one of ${BACKEND_NAMES.join(', ')}.`,
    );
  }
  return value;
}

/** "wasm — WebAssembly (…); not tensorflow-gpu: …; not tensorflow: …" */
export const describeBackend = (info: BackendInfo): string =>
  [
    `${info.name}: ${info.description}`,
    ...info.fallbacks.map((f) => `not ${f.backend}: ${f.reason}`),
  ].join('\n  ');
