import { describe, expect, it } from 'vitest';
import { describeBackend, initBackend, releaseBackend } from './backend.ts';
import { tf } from './tf.ts';

describe('initBackend', () => {
  it('falls back to WebAssembly here and says why it did not get the native backends', async () => {
    const info = await initBackend();
    // These machines cannot install tfjs-node; where it is installed this test learns nothing new.
    if (info.name === 'wasm') {
      expect(info.fallbacks.map((f) => f.backend)).toEqual([
        'tensorflow-gpu',
        'webgpu',
        'tensorflow',
      ]);
      expect(info.fallbacks[0]?.reason).toContain('@tensorflow/tfjs-node-gpu is not installed');
      expect(info.fallbacks[0]?.reason).toContain('CUDA 11.2 and cuDNN 8.1');
      expect(describeBackend(info)).toContain(
        'not tensorflow: @tensorflow/tfjs-node is not installed',
      );
    }
    expect(tf.getBackend()).toBe(info.name === 'tensorflow-gpu' ? 'tensorflow' : info.name);
  });

  it('uses WebGPU only on a real GPU adapter, and says why not', async () => {
    const info = await initBackend('webgpu');
    // Where a GPU answers, this learns nothing new here: the SwiftShader test covers the kernels.
    if (info.name !== 'webgpu') {
      const webgpu = info.fallbacks.find((f) => f.backend === 'webgpu');
      // No GPU, no Vulkan loader or driver (CI), or SwiftShader found and refused as a fallback.
      expect(webgpu?.reason).toMatch(
        /no GPU adapter|no Vulkan loader|software fallback|not installed/,
      );
      expect(describeBackend(info)).toContain('not webgpu: ');
    }
    await releaseBackend();
  });

  it('starts from the backend asked for and registers the missing convolution gradient', async () => {
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
    expect(info.fallbacks.every((f) => f.reason.startsWith('not tried'))).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const cpu = await initBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});
