import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ParityReport } from './webgpu-parity-child.ts';

/**
 * WebGPU against WebAssembly on a machine with no GPU: Dawn on SwiftShader, the Vulkan driver
 * (and Vulkan loader) that Debian's chromium package ships. CI installs chromium; elsewhere the
 * test says what it needs and skips.
 */
const CHROMIUM_LIB = '/usr/lib/chromium';
const ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;

function missing(): string | undefined {
  if (process.platform !== 'linux')
    return 'runs on Linux only (SwiftShader from Debian’s chromium)';
  if (!existsSync(ICD))
    return `needs SwiftShader’s Vulkan driver at ${ICD} (apt-get install chromium)`;
  for (const pkg of ['webgpu', '@tensorflow/tfjs-backend-webgpu']) {
    try {
      createRequire(import.meta.url).resolve(pkg);
    } catch {
      return `needs the optional package ${pkg}, which is not installed`;
    }
  }
  return undefined;
}

const why = missing();
const CHILD = fileURLToPath(new URL('./webgpu-parity-child.ts', import.meta.url));

function runChild(): Promise<ParityReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD],
      {
        env: {
          ...process.env,
          VK_ICD_FILENAMES: ICD,
          // Chromium's own Vulkan loader, so the machine needs no libvulkan1.
          LD_LIBRARY_PATH: [CHROMIUM_LIB, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        },
        // The child must exit by itself once it lets go of the GPU device: a hang fails here.
        timeout: 150_000,
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ParityReport);
      },
    );
  });
}

const largest = <T extends { rel: number }>(items: readonly T[]): T =>
  items.reduce((a, b) => (b.rel > a.rel ? b : a));

describe('WebGPU training (Dawn on SwiftShader) against WebAssembly', () => {
  it.skipIf(why)(
    why
      ? `is skipped: it ${why}`
      : 'matches losses and gradients over a few steps, leaks nothing and exits',
    async () => {
      const report = await runChild();
      expect(report.webgpu).toContain('swiftshader');
      expect(report.sameInitialWeights).toBe(true);
      const loss = largest(report.losses);
      const grad = largest(report.grads);
      // Measured: losses to 1e-7, every gradient to 1e-6 of its scale; the bounds leave room for
      // other drivers' summation order, not for a wrong kernel.
      expect(loss.rel, loss.what).toBeLessThan(1e-5);
      expect(grad.rel, grad.what).toBeLessThan(1e-4);
      for (const conv of Object.values(report.convFilterVsFloat64)) {
        expect(conv.rel, conv.what).toBeLessThan(1e-5);
      }
      expect(report.leaks).toEqual({ tensors: 0, dataBuffers: 0, gpuBytesGrowth: 0 });
      expect(report.restarted).toBe(true);
      console.info(
        `WebGPU vs WebAssembly over ${report.steps} steps: largest loss difference ${loss.abs.toExponential(1)} (${loss.what}); largest gradient difference ${grad.rel.toExponential(1)} of its scale (${grad.what}); conv filter gradient vs float64: WebGPU ${report.convFilterVsFloat64.webgpu.rel.toExponential(1)}, WebAssembly ${report.convFilterVsFloat64.wasm.rel.toExponential(1)}`,
      );
    },
    180_000,
  );
});
