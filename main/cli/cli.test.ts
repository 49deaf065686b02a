import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeGraphDocument } from '../../core/graph/load.ts';
import { loadModel } from '../engine/model-io.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { tf } from '../engine/tf.ts';
import { cli } from './test-cli.ts';

const root = join(import.meta.dirname, '../..');
const reference = join(root, 'assets/examples/keras-reference.graph.json');

let work: string;
let graphFile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-cli-'));
  graphFile = join(work, 'tiny.graph.json');
  await writeFile(graphFile, serializeGraphDocument(tinyReferenceGraph()));
});

describe('summary', () => {
  it('prints layers, shapes and the Keras parameter total', async () => {
    const { code, out } = await cli('summary', reference);
    expect(code).toBe(0);
    expect(out).toContain('conv2 (Conv2D: 64 3×3 same relu)');
    expect(out).toMatch(/box_dense .*\[256\]\s+4,194,560\s+64\.1 MiB\s+box_flatten/);
    expect(out).toContain(
      'Memory to train: 167 MiB (weights 24.1 MiB, gradients 24.1 MiB, Adam state 48.2 MiB, activations at batch 32 71.1 MiB)',
    );
    expect(out).toContain('Total params: 6,313,550');
  });

  it('lists the problems of a broken graph instead', async () => {
    const broken = join(root, 'core/graph/fixtures/broken-dense-without-flatten.graph.json');
    const { code, out, err } = await cli('summary', broken);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(
      "error: Dense 'fc' expects a vector input but MaxPooling2D 'pool' gives [8, 8, 3]",
    );
  });
});

describe('train, evaluate, export', () => {
  it('trains with one JSON line per epoch, then evaluates and exports the run', async () => {
    const out = join(work, 'run');
    const train = await cli(
      'train',
      graphFile,
      '--json',
      '--epochs',
      '2',
      '--limit',
      '60',
      '--backend',
      'wasm',
      '--out',
      out,
    );
    expect(train.err).toBe('');
    expect(train.code).toBe(0);
    const lines = train.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['started', 'epoch', 'epoch', 'done']);
    const epoch = lines[1];
    expect(Object.keys(epoch)).toEqual(
      expect.arrayContaining(['epoch', 'train', 'val', 'samplesPerSec', 'backend']),
    );
    expect(epoch.backend).toBe('wasm');
    expect(epoch.train.tasks.class).toEqual({
      loss: expect.any(Number),
      accuracy: expect.any(Number),
    });
    expect(epoch.val.tasks.box).toEqual({
      loss: expect.any(Number),
      meanIoU: expect.any(Number),
      iou50: expect.any(Number),
    });
    const done = lines[3];
    expect(done).toMatchObject({ type: 'done', status: 'finished', out, epochs: 2 });

    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.history).toHaveLength(2);
    expect(metrics.test.loss).toBeCloseTo(done.test.loss, 10);

    const evaluated = await cli('evaluate', out, '--json');
    expect(evaluated.code).toBe(0);
    const evaluation = JSON.parse(evaluated.out);
    expect(evaluation.split).toBe('test');
    expect(evaluation.loss).toBeCloseTo(done.test.loss, 5);
    expect(evaluation.tasks.box.meanIoU).toBeCloseTo(done.test.tasks.box.meanIoU, 5);

    const human = await cli('evaluate', out, '--split', 'validation');
    expect(human.out).toMatch(/class\s+\d\.\d{4}\s+accuracy/);

    const exported = join(work, 'exported');
    const exp = await cli('export', out, '--out', exported);
    expect(exp.code).toBe(0);
    const again = await cli('export', out, '--out', exported);
    expect(again.code).toBe(1);
    expect(again.err).toContain('is not empty');
    const [a, b] = await Promise.all([loadModel(join(out, 'model')), loadModel(exported)]);
    const x = tf.ones([1, 16, 16, 3]);
    const pa = a.predict(x) as tf.Tensor[];
    const pb = b.predict(x) as tf.Tensor[];
    expect(Array.from(pb[1]?.dataSync() ?? [])).toEqual(Array.from(pa[1]?.dataSync() ?? []));
    tf.dispose([x, ...pa, ...pb]);
    a.dispose();
    b.dispose();
    expect(JSON.parse(await readFile(join(exported, 'graph.json'), 'utf8')).name).toBe(
      'tiny reference',
    );
    for (const [format, file] of [
      ['onnx', 'model.onnx'],
      ['pytorch', 'model.py'],
      ['keras', 'weights.h5'],
    ] as const) {
      const folder = join(work, `exported-${format}`);
      const result = await cli('export', out, '--out', folder, '--format', format);
      expect(result.code, result.err).toBe(0);
      expect(await readdir(folder)).toContain(file);
    }
    const importedFile = join(work, 'imported.graph.json');
    const imported = await cli('import', join(exported, 'model.json'), '--out', importedFile);
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toMatch(/7 nodes, 2 task heads/);
    expect(imported.out).toContain(
      'The input is 16×16×3; the heads are class_out: classification head, 10 outputs; box_out: box regression head, 4 outputs.',
    );
    const importedGraph = JSON.parse(await readFile(importedFile, 'utf8'));
    expect(importedGraph.nodes.map((n: { id: string }) => n.id).sort()).toEqual([
      'box_out',
      'class_out',
      'conv',
      'fc',
      'flat',
      'image',
      'pool',
    ]);
  });

  it('stops early, keeps the best epoch, evaluates the last one and resumes', async () => {
    const out = join(work, 'early');
    const lines = async (...args: string[]) => {
      const r = await cli(...args);
      expect(r.err).toBe('');
      return r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    };
    // No epoch can beat the first by more than 1 in accuracy: patience 0 stops at epoch 2.
    const [, first, second, done] = await lines(
      'train',
      graphFile,
      '--json',
      '--epochs',
      '4',
      '--limit',
      '40',
      '--backend',
      'wasm',
      '--out',
      out,
      '--early-stopping',
      '0',
      '--monitor',
      'class.accuracy',
      '--min-delta',
      '1',
    );
    expect(first.best).toEqual({
      epoch: 1,
      monitor: 'class.accuracy',
      value: first.val.tasks.class.accuracy,
    });
    expect(second.best.epoch).toBe(1);
    expect(second.learningRate).toBe(0.003);
    expect(done).toMatchObject({ status: 'finished', epochs: 2 });
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(run.endReason).toBe(
      'stopped early at epoch 2: validation class.accuracy did not improve for 1 epoch; best epoch 1 restored',
    );
    expect(JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')).bestEpoch).toBe(1);

    const [best] = await lines('evaluate', out, '--json', '--split', 'validation');
    const [last] = await lines(
      'evaluate',
      out,
      '--json',
      '--split',
      'validation',
      '--checkpoint',
      'last',
    );
    expect(best.tasks.class.accuracy).toBeCloseTo(first.val.tasks.class.accuracy, 6);
    expect(last.loss).toBeCloseTo(second.val.loss, 5);

    const resumed = await lines('train', '--resume', out, '--epochs', '3', '--json');
    expect(resumed.map((l) => [l.type, l.epoch])).toEqual([
      ['started', undefined],
      ['epoch', 3],
      ['done', undefined],
    ]);
    const bad = await cli('train', '--resume', out, '--epochs', '2');
    expect(bad.err).toContain('has already trained 3 epochs');
  });

  it('refuses to train into a folder that already holds something', async () => {
    const { code, err } = await cli(
      'train',
      graphFile,
      '--limit',
      '30',
      '--epochs',
      '1',
      '--out',
      work,
    );
    expect(code).toBe(1);
    expect(err).toBe(
      `error: The folder ${work} is not empty; choose a new or empty folder for the run so nothing in it is overwritten.\n`,
    );
  });
});

describe('bad input gets one sentence', () => {
  it.each([
    [['train', 'missing.json'], 'error: There is no file missing.json.'],
    [
      ['train', reference, '--dataset', 'cifar'],
      "error: There is no dataset at 'cifar': give a built-in dataset (digits, multidigits, shapes, digits-scenes, scenes, shapes-scenes) or the path of a CSV file, a COCO JSON file, or a YOLO, Pascal VOC or image folder.",
    ],
    [['train', reference, '--epochz', '3'], "error: 'train' has no option --epochz;"],
    [
      ['train', reference, '--epochs', 'many'],
      "error: --epochs must be a whole number from 1 to 10000; got 'many'.",
    ],
    [
      ['train', reference, '--shift', '0.7'],
      "error: --shift must be a number from 0 to 0.3; got '0.7'.",
    ],
    [
      ['train', reference, '--limit', '20000'],
      'error: The digits dataset has 10000 samples; --limit 20000 is more than that.',
    ],
    [['train', reference, '--dataset', 'shapes'], 'set classes to 5.'],
    [['train'], "error: 'train' needs a graph file"],
    [['evaluate', '/'], 'error: / is not a Multitask Studio run folder: run.json is missing.'],
    [['export', '/'], "error: 'export' needs --out DIR"],
    [
      ['export', '/', '--out', '/tmp/x', '--format', 'caffe'],
      "error: --format must be one of tfjs, onnx, pytorch, keras; got 'caffe'.",
    ],
    [['export', '/nope', '--out', '/tmp/x'], "error: There is no run 'nope'."],
    [
      ['dataset', 'export', 'shapes', '--out', '/tmp/x', '--size', '7x7x3'],
      'error: --size must be HEIGHTxWIDTHxCHANNELS',
    ],
    [
      ['summary', join(root, 'core/graph/fixtures/broken-not-json.graph.json')],
      'is not valid JSON',
    ],
    [['import', 'nope.json', '--out', '/tmp/x.json'], 'error: There is no file nope.json.'],
    [['fly'], "error: There is no command 'fly'"],
  ])('%j', async (argv, sentence) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBeGreaterThan(0);
    expect(out).toBe('');
    expect(err).toContain(sentence);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('the real command exits non-zero with no stack trace', async () => {
    const run = promisify(execFile);
    const result = await run(
      process.execPath,
      ['--import', 'tsx', join(root, 'main/cli/index.ts'), 'summary', 'nope.json'],
      {
        cwd: root,
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect('code' in result && result.code).toBe(1);
    expect(result.stderr).toBe('error: There is no file nope.json.\n');
  });
});
