import { describe, expect, it } from 'vitest';
import { chooseAdapter, describeAdapter, noAdapterReason } from './webgpu.ts';

const info = (over: Record<string, unknown> = {}) => ({
  vendor: 'nvidia',
  architecture: 'hopper',
  device: '0x2335',
  description: 'NVIDIA H200',
  ...over,
});

const gpuWith = (adapter: unknown) => ({
  requestAdapter: async () =>
    adapter as Awaited<ReturnType<Parameters<typeof chooseAdapter>[0]['requestAdapter']>>,
});

const adapter = (over: Record<string, unknown> = {}, infoOver: Record<string, unknown> = {}) => ({
  info: info(infoOver),
  limits: {},
  requestDevice: async () => {
    throw new Error('not used');
  },
  ...over,
});

describe('choosing a WebGPU adapter', () => {
  it('takes a real GPU and names it by vendor, architecture and description', async () => {
    const chosen = await chooseAdapter(gpuWith(adapter()));
    expect(describeAdapter(chosen.info)).toBe('nvidia hopper (NVIDIA H200)');
  });

  it('says what is missing when Dawn finds no adapter', async () => {
    await expect(chooseAdapter(gpuWith(null))).rejects.toThrow(noAdapterReason());
    expect(noAdapterReason('linux')).toContain('Vulkan');
    expect(noAdapterReason('darwin')).toContain('Metal');
    expect(noAdapterReason('win32')).toContain('Direct3D 12');
  });

  it('refuses a software fallback adapter unless a test allows it', async () => {
    const swiftshader = adapter(
      {},
      {
        vendor: 'google',
        architecture: 'swiftshader',
        description: 'SwiftShader driver 5.0.0',
        isFallbackAdapter: true,
      },
    );
    await expect(chooseAdapter(gpuWith(swiftshader))).rejects.toThrow(
      'the only WebGPU adapter is a software fallback, google swiftshader (SwiftShader driver 5.0.0)',
    );
    await expect(chooseAdapter(gpuWith(swiftshader), { allowFallbackAdapter: true })).resolves.toBe(
      swiftshader,
    );
    // Older implementations flag it on the adapter itself.
    await expect(chooseAdapter(gpuWith(adapter({ isFallbackAdapter: true })))).rejects.toThrow(
      'software fallback',
    );
  });
});
