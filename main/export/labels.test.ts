import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetTargetJson } from '../../core/tasks/registry.ts';
import { initBackend } from '../engine/backend.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { exportRunFiles, writeExportFolder } from './index.ts';
import { writeTrainedRun } from './test-exports.ts';
import { pythonHas, runPython } from './test-python.ts';

/** Class names as a dataset gives them: a quote, a backslash and letters beyond ASCII included. */
const CLASSES = [
  'zero',
  'o"ne',
  'two\\',
  'drei',
  'quatre',
  'cinq',
  'seis',
  'sette',
  'acht',
  'ñueve',
];
const TARGETS: DatasetTargetJson[] = [
  { name: 'class', kind: 'class', classes: CLASSES },
  { name: 'box', kind: 'box' },
];

let work: string;
let run: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-labels-'));
  run = join(work, 'run');
  await writeTrainedRun(tinyReferenceGraph(), run);
  // What run.json records of the dataset; the rest of it does not matter to an export.
  await writeFile(
    join(run, 'run.json'),
    JSON.stringify({
      format: 'multitask-studio/run',
      version: 1,
      id: 'r1',
      createdAt: '2026-12-06T00:00:00Z',
      graphName: 'tiny',
      dataset: {
        name: 'digits',
        seed: 1,
        imageShape: [32, 32, 1],
        sizes: { train: 1, validation: 1, test: 1 },
        targets: TARGETS,
      },
      settings: tinyReferenceGraph().training,
      backend: { name: 'wasm', description: 'wasm', fallbacks: [] },
      status: 'finished',
      epochsCompleted: 1,
    }),
  );
}, 60_000);
afterAll(() => rm(work, { recursive: true, force: true }));

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** OUTPUTS of a generated model.py, read by Python's own parser: no import of torch or Keras. */
async function pythonOutputs(dir: string): Promise<Record<string, { names: string[] | null }>> {
  const script = [
    'import ast, json',
    'tree = ast.parse(open("model.py", encoding="utf-8").read())',
    'node = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "OUTPUTS")',
    'print(json.dumps(ast.literal_eval(node.value)))',
  ].join('\n');
  return JSON.parse(await runPython(['-c', script], dir)) as Record<
    string,
    { names: string[] | null }
  >;
}

describe('every export says what its outputs mean', () => {
  for (const format of ['tfjs', 'onnx', 'pytorch', 'keras'] as const) {
    it(`${format}: metadata.json and labels-class.txt name the classes in output order`, async () => {
      const files = await exportRunFiles(run, { format, checkpoint: 'best' });
      const metadata = JSON.parse(text(files.get('metadata.json'))) as {
        input: { shape: number[] };
        outputs: { task: string; names?: string[]; meaning: string }[];
      };
      expect(metadata.outputs.map((o) => o.task)).toEqual(['class', 'box']);
      expect(metadata.outputs[0]?.names).toEqual(CLASSES);
      expect(metadata.outputs[0]?.meaning).toContain('softmax probabilities over 10 classes');
      expect(metadata.outputs[1]?.names).toEqual(['xmin', 'ymin', 'xmax', 'ymax']);
      expect(text(files.get('labels-class.txt')).split('\n').slice(0, -1)).toEqual(CLASSES);
    });
  }

  it('tfjs: model.json carries them as userDefinedMetadata', async () => {
    const files = await exportRunFiles(run, { format: 'tfjs', checkpoint: 'best' });
    const model = JSON.parse(text(files.get('model.json'))) as {
      modelTopology: unknown;
      userDefinedMetadata: { outputs: { names?: string[] }[] };
    };
    expect(model.modelTopology).toBeDefined();
    expect(model.userDefinedMetadata.outputs[0]?.names).toEqual(CLASSES);
  });

  it('onnx: metadata_props and each output’s doc string', async () => {
    const files = await exportRunFiles(run, { format: 'onnx', checkpoint: 'best' });
    const model = onnxProto.onnx.ModelProto.decode(files.get('model.onnx')!);
    const props = new Map(model.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(props.get('labels.class') ?? '[]')).toEqual(CLASSES);
    expect(JSON.parse(props.get('outputs') ?? '[]')).toHaveLength(2);
    expect(model.graph?.output?.[0]?.docString).toContain('Values in order: zero, o"ne');
    expect(model.graph?.output?.[1]?.docString).toContain('[xmin, ymin, xmax, ymax]');
  });

  it.skipIf(!pythonHas('onnx'))('onnx: Python’s onnx reads the class names back', async () => {
    const dir = await writeExportFolder(
      join(work, 'onnx-out'),
      await exportRunFiles(run, { format: 'onnx', checkpoint: 'best' }),
    );
    const out = await runPython(
      [
        '-c',
        'import json, onnx; m = onnx.load("model.onnx"); print(json.dumps({p.key: p.value for p in m.metadata_props}))',
      ],
      dir,
    );
    expect(JSON.parse((JSON.parse(out) as Record<string, string>)['labels.class']!)).toEqual(
      CLASSES,
    );
  });

  for (const format of ['pytorch', 'keras'] as const) {
    it(`${format}: model.py's OUTPUTS is valid Python with the class names`, async () => {
      const dir = await writeExportFolder(
        join(work, `${format}-out`),
        await exportRunFiles(run, { format, checkpoint: 'best' }),
      );
      const outputs = await pythonOutputs(dir);
      expect(outputs.class?.names).toEqual(CLASSES);
      expect(outputs.box?.names).toEqual(['xmin', 'ymin', 'xmax', 'ymax']);
      expect(await readFile(join(dir, 'model.py'), 'utf8')).toContain(
        'OUTPUTS says what each holds',
      );
    });
  }

  it('a run that recorded no targets still says what each output is, without names', async () => {
    const old = join(work, 'old');
    await writeTrainedRun(tinyReferenceGraph(), old);
    const files = await exportRunFiles(old, { format: 'onnx', checkpoint: 'best' });
    const metadata = JSON.parse(text(files.get('metadata.json'))) as {
      outputs: { task: string; names?: string[]; target: string }[];
    };
    expect(metadata.outputs.map((o) => [o.task, o.target, o.names])).toEqual([
      ['class', 'class', undefined],
      ['box', 'box', undefined],
    ]);
    expect(files.has('labels-class.txt')).toBe(false);
  });
});
