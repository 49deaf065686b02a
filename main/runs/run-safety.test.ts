import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { LOCK_FILE } from './run-lock.ts';
import { resumeTraining, runTraining } from './run-training.ts';

/** A tiny two-epoch run; `onEpoch` sees each epoch once its checkpoint is written. */
async function trainTwo(out: string, onEpoch: (epoch: number) => Promise<void> | void = () => {}) {
  const pending: Promise<void>[] = [];
  const outcome = await runTraining({
    graph: tinyReferenceGraph(),
    overrides: { epochs: 2, limit: 30, batchSize: 8 },
    out,
    backend: 'wasm',
    onEvent: (e) => {
      if (e.type === 'epoch') pending.push(Promise.resolve(onEpoch(e.epoch)));
    },
  });
  await Promise.all(pending);
  return outcome;
}

const epochOf = async (dir: string) =>
  (JSON.parse(await readFile(join(dir, 'last', 'state.json'), 'utf8')) as { epochsCompleted: number })
    .epochsCompleted;

describe('checkpoints are written and read as a set', () => {
  it('refuses a torn checkpoint whose optimizer is of another epoch', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-torn-'));
    const out = join(root, 'run');
    await trainTwo(out, (epoch) =>
      epoch === 1 ? cp(join(out, 'last'), join(root, 'epoch1'), { recursive: true }) : undefined,
    );
    await cp(join(root, 'epoch1', 'optimizer.bin'), join(out, 'last', 'optimizer.bin'));
    await expect(resumeTraining({ dir: out, epochs: 3 })).rejects.toThrow(
      `The checkpoint in ${join(out, 'last')} is torn: optimizer.bin is not the file saved with its state.json (epoch 2), so the run cannot be resumed from it.`,
    );
  });

  it('resumes from the whole old set when a kill came between the two renames', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-torn-'));
    const out = join(root, 'run');
    await trainTwo(out);
    // What a kill -9 leaves mid-replace: the complete checkpoint aside, a new one half written.
    await rename(join(out, 'last'), join(out, 'last.old-99999-3'));
    await cp(join(out, 'last.old-99999-3'), join(out, 'last.tmp-99999-2'), { recursive: true });
    await rm(join(out, 'last.tmp-99999-2', 'state.json'));
    const resumed = await resumeTraining({ dir: out, epochs: 3 });
    expect(resumed.manifest).toMatchObject({ status: 'finished', epochsCompleted: 3 });
    expect((await readdir(out)).filter((f) => f.startsWith('last'))).toEqual(['last']);
    expect(await epochOf(out)).toBe(3);
  });
});

describe('one training of a run at a time', () => {
  it('refuses a second training while a live process holds the run, and takes over a dead one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-lock-'));
    const out = join(root, 'run');
    await trainTwo(out);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);

    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(join(out, LOCK_FILE), `${other.pid}\n`);
      await expect(resumeTraining({ dir: out, epochs: 3 })).rejects.toThrow(
        `Run ${out} is already being trained by process ${other.pid}; wait for it to end, or stop it, before training it again.`,
      );
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
    }
    // The holder was killed: its lock is stale and taken over.
    const resumed = await resumeTraining({ dir: out, epochs: 3 });
    expect(resumed.status).toBe('finished');
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  it('refuses a resume while the run is still training', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-lock-'));
    const out = join(root, 'run');
    let second: Promise<unknown> | undefined;
    await trainTwo(out, (epoch) => {
      if (epoch === 1) second = resumeTraining({ dir: out, epochs: 3 }).catch((e: unknown) => e);
    });
    expect(String(await second)).toContain(
      `Run ${out} is already being trained by process ${process.pid}`,
    );
    expect(await epochOf(out)).toBe(2);
  });
});

describe('a run folder deleted while training', () => {
  it('fails the run with a sentence instead of making the folder again', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mts-deleted-'));
    const out = join(root, 'run');
    await expect(
      // Deleted at once, before the run goes on to epoch 2.
      trainTwo(out, (epoch) => (epoch === 1 ? rmSync(out, { recursive: true }) : undefined)),
    ).rejects.toThrow(
      `The run folder ${out} was deleted while training; the run cannot keep its epochs there, so it has ended.`,
    );
    expect(existsSync(out)).toBe(false);
  });
});
