import type { BackendName } from '../../core/contract/training.ts';
import { table } from '../cli/format.ts';
import { initBackend } from '../engine/backend.ts';
import { bareLoopThroughput, median, type BenchSettings } from './training-bench.ts';

const COMPARED = ['webgpu', 'wasm'] as const satisfies readonly BackendName[];

/**
 * `npm run bench`'s GPU section: the bare training loop on WebGPU against WebAssembly, measured
 * one after the other in this process when the machine has a real GPU adapter; otherwise the
 * reason WebGPU did not start. Leaves the benchmark's own backend selected again.
 */
export async function webgpuSection(s: BenchSettings): Promise<string> {
  const rows: string[][] = [['backend', 'median samples/s', 'epochs (samples/s)', 'device']];
  const rates: Partial<Record<(typeof COMPARED)[number], number>> = {};
  try {
    for (const name of COMPARED) {
      const backend = await initBackend(name);
      if (backend.name !== name) {
        const why = backend.fallbacks.find((f) => f.backend === name)?.reason ?? 'it did not start';
        return `WebGPU: not measured: ${why}.`;
      }
      const epochs = await bareLoopThroughput({ ...s, backend });
      rates[name] = median(epochs);
      rows.push([
        name,
        median(epochs).toFixed(1),
        epochs.map((r) => r.toFixed(1)).join(' '),
        backend.description,
      ]);
    }
  } finally {
    await initBackend(s.backend.name);
  }
  const ratio = (rates.webgpu ?? 0) / (rates.wasm ?? 1);
  return `WebGPU against WebAssembly (bare training loop):\n${table(rows, [1])}\nWebGPU/WebAssembly = ${ratio.toFixed(2)}`;
}
