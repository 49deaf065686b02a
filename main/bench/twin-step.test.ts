import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { REFERENCE_PYTHON, referenceMissing } from '../export/test-python.ts';
import { readTemplate, writeExports } from './twins-bench.ts';

const run = promisify(execFile);
const TWIN_STEP = join(import.meta.dirname, 'twin-step.py');
const missing = referenceMissing('keras', 'torch', 'PIL');
if (missing !== undefined) console.warn(`twin-step tests skip: ${missing}`);

const work = await mkdtemp(join(tmpdir(), 'mts-twin-step-'));
afterAll(() => rm(work, { recursive: true, force: true }));

/** One epoch of one batch of 2 of a template's export; the JSON line twin-step.py prints. */
async function step(framework: 'torch' | 'keras', dir: string) {
  const { stdout } = await run(REFERENCE_PYTHON, [TWIN_STEP, framework, dir, '1', '2', '1', '1'], {
    timeout: 180_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { rates: number[] };
}

describe.skipIf(missing !== undefined)('twin-step.py, the twins of the bench table', () => {
  // digits-scenes-detect has one output (a model of one output takes its truth as one array in
  // Keras 3, not a dict), digits-compact two.
  it.each(['digits-scenes-detect', 'digits-compact'])(
    'times one epoch of %s in PyTorch and in Keras',
    async (name) => {
      await initBackend('cpu');
      const dirs = await writeExports(readTemplate(name), join(work, name));
      for (const framework of ['torch', 'keras'] as const) {
        const exported = dirs[framework];
        if (!('dir' in exported)) throw new Error(exported.missing);
        const { rates } = await step(framework, exported.dir);
        expect(rates).toHaveLength(1);
        expect(rates[0]).toBeGreaterThan(0);
      }
    },
    300_000,
  );
});
