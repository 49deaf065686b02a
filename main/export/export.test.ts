import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { exportRunFiles, writeExportFolder, zipExport } from './index.ts';
import { writeTrainedRun } from './test-exports.ts';

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-export-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('the export seam', () => {
  it('reads the best or the last checkpoint, and says which one is missing', async () => {
    const run = join(work, 'run');
    await writeTrainedRun(tinyReferenceGraph(), run);
    await writeFile(join(run, 'run.json'), '{}');
    const best = await exportRunFiles(run, { format: 'tfjs', checkpoint: 'best' });
    expect([...best.keys()].sort()).toEqual([
      'graph.json',
      'metadata.json',
      'model.json',
      'run.json',
      'weights.bin',
    ]);
    await expect(exportRunFiles(run, { format: 'tfjs', checkpoint: 'last' })).rejects.toThrow(
      "The run 'run' has no 'last' model (last/); export its best one instead.",
    );
    const empty = join(work, 'empty');
    await mkdir(empty);
    await expect(exportRunFiles(empty, { format: 'onnx', checkpoint: 'best' })).rejects.toThrow(
      "The run 'empty' has no trained model yet: it saves one after its first epoch.",
    );
    await expect(
      exportRunFiles(join(work, 'gone'), { format: 'onnx', checkpoint: 'best' }),
    ).rejects.toThrow("There is no run 'gone'.");
  });

  it('writes the same files into a folder and into a zip, never into a folder with files', async () => {
    const run = join(work, 'run2');
    await writeTrainedRun(tinyReferenceGraph(), run);
    const files = await exportRunFiles(run, { format: 'pytorch', checkpoint: 'best' });
    const out = await writeExportFolder(join(work, 'out'), files);
    expect((await readdir(out)).sort()).toEqual([...files.keys()].sort());
    expect(Object.keys(unzipSync(zipExport(files))).sort()).toEqual([...files.keys()].sort());
    await expect(writeExportFolder(out, files)).rejects.toThrow(
      `The folder ${out} is not empty; choose a new or empty folder for the export so nothing in it is overwritten.`,
    );
    // Checked as a run folder is: a file, or a system folder, is refused before anything is written.
    const file = join(out, 'graph.json');
    await expect(writeExportFolder(file, files)).rejects.toThrow(`${file} is a file, not a folder`);
    await expect(writeExportFolder('/proc/mts-export', files)).rejects.toThrow('/proc');
  });
});
