import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../../core/graph/load.ts';
import { tinyReferenceGraph } from './test-graphs.ts';
import { probeAdapter } from './webgpu-probe.ts';

/** A stand-in for Dawn's package that complains on stderr as Mesa's drivers do, then answers. */
const fakeDawn = (adapter: string) => `
export const globals = { GPUBufferUsage: {} };
export function create() {
  if (!globalThis.GPUBufferUsage) throw new Error('globals not in place');
  process.stderr.write('error: XDG_RUNTIME_DIR is invalid or not set in the environment.\\n');
  process.stderr.write('Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.\\n - While initializing adapter\\n');
  return { requestAdapter: async () => ${adapter} };
}
`;

describe('the WebGPU adapter probe', () => {
  it("keeps Dawn's and the drivers' complaints out of the terminal and in its answer", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mts-probe-'));
    const none = join(dir, 'none.mjs');
    await writeFile(none, fakeDawn('null'));
    expect(await probeAdapter(none)).toEqual({
      adapter: null,
      said: 'Vulkan shaderUniform*ArrayDynamicIndexing required',
    });
    const software = join(dir, 'software.mjs');
    await writeFile(
      software,
      fakeDawn(
        "({ info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device', isFallbackAdapter: true } })",
      ),
    );
    expect((await probeAdapter(software)).adapter).toEqual({
      description: 'google swiftshader (SwiftShader Device)',
      isFallbackAdapter: true,
    });
  });

  it('leaves the command line quiet on this machine, whatever its Vulkan drivers', async () => {
    const work = await mkdtemp(join(tmpdir(), 'mts-probe-'));
    const graph = join(work, 'tiny.graph.json');
    await writeFile(graph, serializeGraphDocument(tinyReferenceGraph()));
    const args = ['--import', 'tsx', 'main/cli/index.ts', 'train', graph, '--epochs', '1'];
    const child = spawn(process.execPath, [...args, '--limit', '20', '--out', join(work, 'run')], {
      cwd: join(import.meta.dirname, '../..'),
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/\n {2}not webgpu: /);
  }, 120_000);
});
