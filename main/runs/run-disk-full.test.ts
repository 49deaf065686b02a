import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type * as AtomicWrite from '../engine/atomic-write.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { openRunFolder } from './run-folder.ts';
import { resumeTraining, runTraining } from './run-training.ts';

/** The disk fills up from the moment `full.from` names a file about to be written. */
const full = vi.hoisted(() => ({ file: undefined as string | undefined }));

vi.mock('../engine/atomic-write.ts', async (original) => {
  const real = await original<typeof AtomicWrite>();
  return {
    ...real,
    writeFileAtomic: async (path: string, data: string | Uint8Array) => {
      if (full.file !== undefined && basename(path) === full.file) {
        throw Object.assign(new Error(`ENOSPC: no space left on device, write`), {
          code: 'ENOSPC',
          errno: -28,
          syscall: 'write',
          path: `${path}.${process.pid}-3.tmp`,
        });
      }
      return real.writeFileAtomic(path, data);
    },
  };
});

describe('a full disk during training', () => {
  it('ends the run with a sentence and keeps the finished epochs to resume from', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'mts-full-')), 'run');
    const outcome = await runTraining({
      graph: tinyReferenceGraph(),
      overrides: { epochs: 3, limit: 30, batchSize: 8 },
      out,
      backend: 'wasm',
      onEvent: (e) => {
        // Epoch 2's checkpoint finds the disk full; it is freed again for the run's last words.
        if (e.type === 'epoch' && e.epoch === 1) full.file = 'optimizer.bin';
        if (e.type === 'failed') full.file = undefined;
      },
    });
    expect(outcome.status).toBe('failed');
    const sentence = `The disk is full: ${join(out, 'last')} could not be written; the finished epochs (up to 1) are kept in ${out}; free some space and resume the run.`;
    expect(outcome.result.last).toMatchObject({ code: 'E_DISK_FULL', message: sentence });
    const run = await openRunFolder(out);
    expect(run.manifest).toMatchObject({ status: 'failed', epochsCompleted: 1, message: sentence });
    // Epoch 1's checkpoint is whole, and nothing half written is left beside it.
    expect((await readdir(out)).sort()).toEqual(
      ['balancing.json', 'graph.json', 'last', 'metrics.json', 'model', 'run.json'].sort(),
    );
    const state = JSON.parse(await readFile(join(out, 'last', 'state.json'), 'utf8'));
    expect(state.epochsCompleted).toBe(1);

    const resumed = await resumeTraining({ dir: out });
    expect(resumed.manifest).toMatchObject({ status: 'finished', epochsCompleted: 3 });
  });
});
