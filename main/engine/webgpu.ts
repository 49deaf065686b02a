/**
 * Training on a GPU through WebGPU, with no CUDA or toolkit to install: Dawn (the npm package
 * `webgpu`, a prebuilt `dawn.node`) gives Node a `navigator.gpu` on Vulkan, Metal or Direct3D 12,
 * and @tensorflow/tfjs-backend-webgpu runs TensorFlow.js's kernels on it. Both packages are
 * optional: without them the engine says so and falls back.
 *
 * The engine picks the adapter itself instead of letting the tfjs package register its own
 * factory, so it can refuse a software adapter (SwiftShader and the like are no faster than the
 * CPU) and describe the GPU it got; and it holds the one device, so a second run in the same
 * process reuses it and `releaseWebGPU` can destroy it before the process exits.
 */
import { firstLine, importOptional } from './optional-package.ts';
import { NO_VULKAN_LOADER, vulkanLoaderMissing } from './vulkan-loader.ts';
import { probeAdapter, type AdapterProbe } from './webgpu-probe.ts';
import { tf } from './tf.ts';

export interface WebGPUOptions {
  /**
   * Accept a software fallback adapter (SwiftShader). For correctness tests on machines with no
   * GPU only: such an adapter is an emulation on the CPU and must never train a user's model.
   * Unset, the environment variable MTS_WEBGPU_ALLOW_FALLBACK=1 sets it, so that end-to-end
   * tests can run the CLI and the training process on SwiftShader.
   */
  readonly allowFallbackAdapter?: boolean;
}

function allowsFallback(options: WebGPUOptions): boolean {
  if (options.allowFallbackAdapter !== undefined) return options.allowFallbackAdapter;
  const value = process.env.MTS_WEBGPU_ALLOW_FALLBACK;
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new Error(`MTS_WEBGPU_ALLOW_FALLBACK is '${value}' but must be 1 (for tests) or unset`);
}

/** The parts of WebGPU's objects used here (the full types come with the optional package). */
interface AdapterInfoLike {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter?: boolean;
}
interface DeviceLike {
  readonly lost: Promise<{ readonly reason: string; readonly message: string }>;
  destroy(): void;
}
interface AdapterLike {
  readonly info: AdapterInfoLike;
  /** Older WebGPU implementations put the flag here instead of on `info`. */
  readonly isFallbackAdapter?: boolean;
  readonly limits: Readonly<Record<string, number>>;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number> }): Promise<DeviceLike>;
}
interface GPULike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GPULike;
  globals: Record<string, unknown>;
}
interface TfWebGPUModule {
  WebGPUBackend: new (device: DeviceLike, adapterInfo: AdapterInfoLike) => tf.KernelBackend;
}

/** The limits tfjs-backend-webgpu asks for, as large as the adapter allows. */
const REQUIRED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

let held: { device: DeviceLike; description: string; fallback: boolean } | undefined;
let gpu: GPULike | undefined;

/** What to install when Dawn finds no GPU, in the words of each platform's driver. */
export function noAdapterReason(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'linux':
      return 'Dawn found no GPU adapter: no Vulkan driver for a GPU here (it needs the Vulkan loader libvulkan1 and the GPU vendor’s Vulkan driver: Mesa’s RADV/ANV or NVIDIA’s)';
    case 'darwin':
      return 'Dawn found no Metal GPU adapter';
    case 'win32':
      return 'Dawn found no Direct3D 12 or Vulkan GPU adapter (update the GPU driver)';
    default:
      return `Dawn found no GPU adapter on ${platform}`;
  }
}

/** "nvidia hopper (NVIDIA H200)": the words a user recognises their GPU by. */
export function describeAdapter(info: AdapterInfoLike): string {
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'an unnamed adapter';
  const detail = info.description || info.device;
  return detail ? `${name} (${detail})` : name;
}

const isFallbackAdapter = (adapter: AdapterLike): boolean =>
  Boolean(adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter);

/**
 * The adapter to train on, or the reason there is none: a real GPU, or a software fallback
 * only where the options allow it.
 */
export async function chooseAdapter(
  gpuObject: GPULike,
  options: WebGPUOptions = {},
): Promise<AdapterLike> {
  const adapter = await gpuObject.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(noAdapterReason());
  if (isFallbackAdapter(adapter) && !options.allowFallbackAdapter) {
    throw fallbackRefused(describeAdapter(adapter.info));
  }
  return adapter;
}

const fallbackRefused = (description: string) =>
  new Error(
    `the only WebGPU adapter is a software fallback, ${description}, which emulates a GPU on the CPU and is slower than WebAssembly`,
  );

let probed: Promise<AdapterProbe> | undefined;

/**
 * Refuses, before Dawn starts in this process, a machine where it would find no usable adapter:
 * the search runs once in a child process, so the drivers' complaints go into the reason.
 */
async function assertAdapterAvailable(options: WebGPUOptions): Promise<void> {
  const { adapter, said } = await (probed ??= probeAdapter());
  if (!adapter) throw new Error(`${noAdapterReason()}${said ? `; Dawn said: ${said}` : ''}`);
  if (adapter.isFallbackAdapter && !options.allowFallbackAdapter) {
    throw fallbackRefused(adapter.description);
  }
}

/** Dawn's GPU object, created once; its constants (GPUBufferUsage, …) go on globalThis for tfjs. */
function dawnGPU(dawn: DawnModule): GPULike {
  if (gpu) return gpu;
  const created = dawn.create([]);
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis))
      Object.defineProperty(globalThis, name, { value, configurable: true });
  }
  // tfjs-backend-webgpu checks navigator.gpu before it builds a backend. Node 20 has no
  // navigator; Node 21+ and Electron have one without `gpu`.
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!nav) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: created }, configurable: true });
  } else if (!('gpu' in nav)) {
    try {
      Object.defineProperty(nav, 'gpu', { value: created, configurable: true });
    } catch {
      // A sealed navigator: a stand-in that inherits the rest of it.
      const withGPU = Object.create(nav, { gpu: { value: created } }) as object;
      Object.defineProperty(globalThis, 'navigator', { value: withGPU, configurable: true });
    }
  }
  gpu = created;
  return created;
}

/**
 * Starts the `webgpu` backend on the best adapter, or throws the reason it cannot (package
 * missing, no adapter, a fallback adapter refused, no device). Returns the backend's description.
 */
export async function startWebGPU(options: WebGPUOptions = {}): Promise<string> {
  const allowFallbackAdapter = allowsFallback(options);
  if (held?.fallback && !allowFallbackAdapter) await releaseWebGPU();
  if (!held) {
    // The tfjs package first: it registers a factory of its own only when navigator.gpu exists
    // at import, and the engine wants to choose the adapter itself.
    const tfWebGPU = await importOptional<TfWebGPUModule>(
      '@tensorflow/tfjs-backend-webgpu',
      'the TensorFlow.js kernels for WebGPU, an optional package',
    );
    // Dawn warns on stderr at every start without a Vulkan loader; say why in one line instead.
    if (vulkanLoaderMissing()) throw new Error(NO_VULKAN_LOADER);
    const dawn = await importOptional<DawnModule>(
      'webgpu',
      'Dawn, WebGPU for Node, an optional package',
    );
    await assertAdapterAvailable({ allowFallbackAdapter });
    const adapter = await chooseAdapter(dawnGPU(dawn), { allowFallbackAdapter });
    const requiredLimits = Object.fromEntries(
      REQUIRED_LIMITS.flatMap((name) =>
        adapter.limits[name] === undefined ? [] : [[name, adapter.limits[name]]],
      ),
    );
    const device = await adapter.requestDevice({ requiredLimits }).catch((e: unknown) => {
      throw new Error(
        `the WebGPU adapter ${describeAdapter(adapter.info)} gave no device: ${firstLine(e)}`,
      );
    });
    const fallback = isFallbackAdapter(adapter);
    void device.lost.then(({ reason, message }) => {
      if (reason === 'destroyed') return;
      process.stderr.write(`warning: the GPU device was lost (${reason}): ${message}\n`);
      if (held?.device === device) held = undefined;
    });
    const backend = new tfWebGPU.WebGPUBackend(device, adapter.info);
    if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => backend);
    held = {
      device,
      fallback,
      description: `WebGPU through Dawn on ${describeAdapter(adapter.info)}${fallback ? ', a software fallback adapter (tests only)' : ''}`,
    };
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('the WebGPU backend did not start');
  return held.description;
}

/**
 * Disposes the backend's GPU buffers and destroys the device, so nothing GPU-side outlives the
 * runs and the process can exit. Safe to call when WebGPU never started.
 */
export async function releaseWebGPU(): Promise<void> {
  if (!held) return;
  const { device } = held;
  held = undefined;
  // Removing the backend disposes its buffers; tensors still on it are gone with it.
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  device.destroy();
  // Dawn settles `lost` once it has let go; never wait on it for long on the way out.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    device.lost,
    new Promise((resolve) => {
      timer = setTimeout(resolve, 2000).unref();
    }),
  ]);
  clearTimeout(timer);
}
