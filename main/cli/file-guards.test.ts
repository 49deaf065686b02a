import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../../core/graph/load.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { cli } from './test-cli.ts';

/** A TensorFlow.js Layers model.json (topology only): an 8×8 image, a softmax of 10 classes. */
const layersModel = JSON.stringify({
  modelTopology: {
    class_name: 'Model',
    config: {
      layers: [
        {
          name: 'image',
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, 8, 8, 1] },
          inbound_nodes: [],
        },
        { name: 'flat', class_name: 'Flatten', config: {}, inbound_nodes: [[['image', 0, 0, {}]]] },
        {
          name: 'digit',
          class_name: 'Dense',
          config: { units: 10, activation: 'softmax' },
          inbound_nodes: [[['flat', 0, 0, {}]]],
        },
      ],
      input_layers: [['image', 0, 0]],
      output_layers: [['digit', 0, 0]],
    },
  },
});

let work: string;
let pipe: string;
let model: string;
let tiny: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-file-guards-'));
  pipe = join(work, 'pipe.json');
  execFileSync('mkfifo', [pipe]);
  model = join(work, 'model.json');
  await writeFile(model, layersModel);
  tiny = join(work, 'tiny.graph.json');
  await writeFile(tiny, serializeGraphDocument(tinyReferenceGraph()));
});

/** Fails the test rather than hang it when a command blocks on a pipe. */
const QUICK = 20_000;

describe.runIf(process.platform === 'linux')('files the commands are given', () => {
  it(
    'import refuses a pipe or a device at once, and reads a model.json with a byte-order mark',
    async () => {
      const out = join(work, 'from-pipe.graph.json');
      expect(await cli('import', pipe, '--out', out)).toMatchObject({
        code: 1,
        err: `error: ${pipe} is a pipe, not a model file.\n`,
      });
      expect(await cli('import', '/dev/zero', '--out', out)).toMatchObject({
        code: 1,
        err: 'error: /dev/zero is a device, not a model file.\n',
      });
      const marked = join(work, 'marked', 'model.json');
      await mkdir(join(work, 'marked'));
      await writeFile(marked, `\uFEFF${layersModel}`);
      const result = await cli('import', marked, '--out', join(work, 'marked.graph.json'));
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
    },
    QUICK,
  );

  it('import replaces an existing file only with --force, and never the model itself', async () => {
    const out = join(work, 'kept.graph.json');
    await writeFile(out, 'my own work');
    expect(await cli('import', model, '--out', out)).toMatchObject({
      code: 1,
      err: `error: ${out} already exists; choose a new name for the graph file, or give --force to replace it.\n`,
    });
    expect(await readFile(out, 'utf8')).toBe('my own work');
    expect((await cli('import', model, '--out', out, '--force')).code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8')).format).toBe('multitask-studio/graph');
    expect(await cli('import', model, '--out', model, '--force')).toMatchObject({
      code: 1,
      err: `error: --out ${model} is the model being imported; choose another file for the graph.\n`,
    });
    expect(await readFile(model, 'utf8')).toBe(layersModel);
    expect((await cli('import', model, '--out', '/proc/x.graph.json')).err).toBe(
      'error: /proc/x.graph.json is inside the process table /proc, which holds no files; choose a folder on disk for the graph file.\n',
    );
  });

  it(
    'train refuses --initial-weights that are a pipe or a device before loading anything',
    async () => {
      for (const [start, sentence] of [
        [pipe, `${pipe} is a pipe, not a model file.`],
        ['/dev/zero', '/dev/zero is a device, not a model file.'],
      ] as const) {
        const args = ['--initial-weights', start, '--out', join(work, 'never'), '--limit', '20'];
        expect(await cli('train', tiny, ...args)).toMatchObject({
          code: 1,
          err: `error: ${sentence}\n`,
        });
      }
    },
    QUICK,
  );

  it(
    'sweep checks its folder as train and export do (a mkdir in /proc would spin)',
    async () => {
      expect(await cli('sweep', tiny, '--balance', 'fixed', '--out', '/proc/x')).toMatchObject({
        code: 1,
        err: 'error: /proc/x is inside the process table /proc, which holds no files; choose a folder on disk for the sweep.\n',
      });
    },
    QUICK,
  );

  it('names a UTF-16 graph file instead of quoting its bytes', async () => {
    const wide = join(work, 'wide.graph.json');
    await writeFile(
      wide,
      Buffer.from(`\uFEFF${serializeGraphDocument(tinyReferenceGraph())}`, 'utf16le'),
    );
    expect(await cli('summary', wide)).toMatchObject({
      code: 1,
      err: `error: ${wide} is UTF-16 text; save it as UTF-8.\n`,
    });
  });
});
