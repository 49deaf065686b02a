import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BALANCING,
  BALANCING_METHODS,
  balancingParams,
  balancingSettingsSchema,
  type BalancingMethodName,
} from '../../core/balancing/methods.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { initBackend } from '../engine/backend.ts';
import { Balancing } from '../engine/balancing/index.ts';
import { mapTrunk } from '../engine/balancing/trunk.ts';
import { compileGraph } from '../engine/compile.ts';
import { batchMeanLosses } from '../engine/split-stats.ts';
import { graphOf } from '../engine/test-graphs.ts';
import { tf, type LayersModel } from '../engine/tf.ts';
import { createRng } from '../datasets/rng.ts';
import { BALANCING_FILE, MODEL_DIR } from '../runs/run-manifest.ts';
import { RLW_STREAM, rlwWeights } from '../engine/balancing/rlw.ts';
import { PARITY_DRIVER_PY } from './balancing-parity-py.ts';
import { exportRunFiles, writeExportFolder } from './index.ts';
import { randomImages, writeTrainedRun } from './test-exports.ts';
import { pythonHas, runPython } from './test-python.ts';

const hasTorch = pythonHas('torch', 'numpy', 'PIL');

const STEPS = 3;
const LEARNING_RATE = 0.05;
const SEED = 5;
const BATCH = 6;

/**
 * Three tasks on a tiny trunk: class and box read the shared dense layer, value reads the pooled
 * maps through its own branch (so MGDA-UB's representation is two tensors); two tasks without
 * value (MGDA's closed form, PCGrad's one projection). No BatchNormalization:
 * with several processes each normalises its own share of the batch, and the two-process run is
 * compared with the one-process run.
 */
function parityGraph(tasks: 2 | 3): GraphDocument {
  const dropped = tasks === 2 ? ['gap', 'value'] : [];
  return graphOf(
    'balancing parity',
    [
      { id: 'image', kind: 'Input', params: { height: 8, width: 8, channels: 3 } },
      { id: 'conv', kind: 'Conv2D', params: { filters: 4, kernelSize: 3, activation: 'tanh' } },
      { id: 'pool', kind: 'MaxPooling2D', params: {} },
      { id: 'flat', kind: 'Flatten', params: {} },
      { id: 'fc', kind: 'Dense', params: { units: 8, activation: 'tanh' } },
      { id: 'gap', kind: 'GlobalAveragePooling2D', params: {} },
      { id: 'kind', kind: 'ClassificationHead', params: { task: 'kind', classes: 3 } },
      { id: 'where', kind: 'BoxHead', params: { task: 'where', lossWeight: 2 } },
      {
        id: 'value',
        kind: 'RegressionHead',
        params: { task: 'value', target: 'colour', units: 2, lossWeight: 0.5 },
      },
    ].filter((n) => !dropped.includes(n.id)),
    [
      ['image', 'conv'],
      ['conv', 'pool'],
      ['pool', 'flat'],
      ['flat', 'fc'],
      ['fc', 'kind'],
      ['fc', 'where'],
      ['pool', 'gap'],
      ['gap', 'value'],
    ].filter(([, target]) => !dropped.includes(target!)),
    { seed: SEED, dataset: 'shapes', optimizer: 'sgd', learningRate: LEARNING_RATE },
  );
}

/** The batch: random images, one-hot classes, boxes with xmin < xmax, values in [0, 1]. */
function parityBatch(tasks: number) {
  const rng = createRng(SEED, 77);
  const x = Array.from(randomImages(BATCH, [8, 8, 3], SEED));
  const kind = Array.from({ length: BATCH }, (_, i) => [0, 1, 2].map((c) => +(c === i % 3)));
  const where = Array.from({ length: BATCH }, () => {
    const [a, b, c, d] = [0, 0, 0, 0].map(() => rng.nextFloat());
    return [Math.min(a!, b!), Math.min(c!, d!), Math.max(a!, b!), Math.max(c!, d!)];
  });
  const value = Array.from({ length: BATCH }, () => [rng.nextFloat(), rng.nextFloat()]);
  return {
    x,
    ys: [kind.flat(), where.flat(), value.flat()].slice(0, tasks),
    shapes: [3, 4, 2].slice(0, tasks),
  };
}

interface Step {
  weights: Record<string, number>;
  trunkGradient: Record<string, number[]>;
  variables: Record<string, number[]>;
}
type Trace = { steps: Step[]; state: unknown };

/** The studio's variable names, `node/kernel` and the like, by their tfjs variable. */
const studioNames = (model: LayersModel) =>
  new Map(
    model.layers.flatMap((layer) =>
      layer.trainableWeights.map((w) => [
        (w.read() as tf.Variable).name,
        `${layer.name}/${w.originalName.split('/').pop()}`,
      ]),
    ),
  );

/** The studio's three steps of a method, through the trainer's Balancing, with plain SGD. */
async function studioTrace(
  graph: GraphDocument,
  initial: tf.Tensor[],
  method: BalancingMethodName,
): Promise<Trace> {
  const compiled = compileGraph(graph, { seed: SEED });
  const { model, analysis, heads } = compiled;
  model.setWeights(initial);
  const names = studioNames(model);
  const trunk = new Set(mapTrunk(model, analysis, heads).trunkVariables.map((v) => v.name));
  const optimizer = tf.train.sgd(LEARNING_RATE);
  let trunkGradient: Record<string, number[]> = {};
  const balancing = new Balancing({
    model,
    analysis,
    heads,
    updater: {
      applyGradients(grads) {
        trunkGradient = Object.fromEntries(
          Object.entries(grads)
            .filter(([name]) => trunk.has(name))
            .map(([name, g]) => [names.get(name) as string, Array.from(g.dataSync())]),
        );
        optimizer.applyGradients(grads);
      },
    },
    settings: balancingSettingsSchema.parse({ method, probesPerEpoch: 0 }),
    seed: SEED,
    batchesPerEpoch: 1,
  });
  const data = parityBatch(heads.length);
  const x = tf.tensor4d(data.x, [BATCH, 8, 8, 3]);
  const ys = data.ys.map((y, k) => tf.tensor2d(y, [BATCH, data.shapes[k]!]));
  const steps: Step[] = [];
  try {
    for (let s = 0; s < STEPS; s++) {
      const stats = await balancing.step({ x, ys, size: BATCH });
      const losses = batchMeanLosses(heads, stats, BATCH).map((l, k) => heads[k]!.lossWeight * l);
      balancing.endEpoch(losses);
      steps.push({
        weights: { ...balancing.lastWeights },
        trunkGradient,
        variables: Object.fromEntries(
          model.trainableWeights.map((w) => [
            names.get((w.read() as tf.Variable).name) as string,
            Array.from(w.read().dataSync()),
          ]),
        ),
      });
    }
    return { steps, state: balancing.getState() };
  } finally {
    balancing.dispose();
    optimizer.dispose();
    tf.dispose([x, ...ys]);
    model.dispose();
  }
}

/** The largest difference over the largest magnitude of the reference, per named tensor. */
function relative(got: Record<string, number[]>, want: Record<string, number[]>): number {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  let worst = 0;
  for (const [name, values] of Object.entries(want)) {
    const other = got[name] ?? [];
    expect(other).toHaveLength(values.length);
    const scale = Math.max(...values.map(Math.abs), 1e-12);
    values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - other[i]!) / scale)));
  }
  return worst;
}

/** The largest relative difference between two JSON states; Infinity where their shapes differ. */
function stateDifference(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) / Math.max(Math.abs(b), 1e-3);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length
      ? Math.max(0, ...a.map((x, i) => stateDifference(x, b[i])))
      : Infinity;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(b);
    if (JSON.stringify(Object.keys(a).sort()) !== JSON.stringify([...keys].sort())) return Infinity;
    return Math.max(0, ...keys.map((k) => stateDifference((a as never)[k], (b as never)[k])));
  }
  return a === b ? 0 : Infinity;
}

const weightsError = (got: Record<string, number>, want: Record<string, number>) =>
  Math.max(
    ...Object.entries(want).map(
      ([t, w]) => Math.abs(w - (got[t] ?? NaN)) / Math.max(Math.abs(w), 1e-3),
    ),
  );

let work: string;

/** An exported project, the studio's traces of every method, and the batch file for parity.py. */
interface Prepared {
  project: string;
  studio: Map<BalancingMethodName, Trace>;
  inputs: string;
}

async function prepare(graph: GraphDocument, name: string): Promise<Prepared> {
  const run = join(work, `${name}-run`);
  const model = await writeTrainedRun(graph, run, SEED);
  const initial = model.getWeights().map((w) => w.clone());
  const names = studioNames(model);
  model.dispose();
  const project = join(work, name);
  await writeExportFolder(
    project,
    await exportRunFiles(run, { format: 'pytorch', checkpoint: 'best' }),
  );
  const studio = new Map<BalancingMethodName, Trace>();
  for (const method of BALANCING_METHODS)
    studio.set(method, await studioTrace(graph, initial, method));
  tf.dispose(initial);
  // model.py's parameters by the studio's names: conv.weight is conv/kernel and so on.
  const torchNames = Object.fromEntries(
    [...names.values()].map((n) => {
      const [node, part] = n.split('/');
      return [`${node}.${part === 'kernel' ? 'weight' : part}`, n];
    }),
  );
  const batch = parityBatch(graph.nodes.filter((n) => n.kind.endsWith('Head')).length);
  const inputs = join(work, `${name}.json`);
  await writeFile(
    inputs,
    JSON.stringify({
      x: batch.x,
      ys: batch.ys,
      names: torchNames,
      trunk: ['conv.weight', 'conv.bias', 'fc.weight', 'fc.bias'],
      methods: BALANCING_METHODS,
      params: Object.fromEntries(
        BALANCING_METHODS.map((m) => [
          m,
          balancingParams(balancingSettingsSchema.parse({ method: m })),
        ]),
      ),
      learningRate: LEARNING_RATE,
      steps: STEPS,
    }),
  );
  await writeFile(join(project, 'parity.py'), PARITY_DRIVER_PY);
  return { project, studio, inputs };
}

const readTraces = (stdout: string): Record<BalancingMethodName, Trace> => {
  const line = stdout.split('\n').find((l) => l.includes('PARITY '));
  return JSON.parse(line!.slice(line!.indexOf('PARITY ') + 7)) as Record<
    BalancingMethodName,
    Trace
  >;
};

/**
 * Every method's three steps in one Python process against the studio's: the task weights, the
 * trunk's gradient and the weights after steps 1 and 3, and balancing.json, to 1e-5 relative.
 * Measured (2026-12-06): at most 1.7e-6, the trunk gradient of CAGrad with two tasks, from
 * float32 sums taken in another order (the convolution's and matMul's reductions, the Gram
 * matrix, Σ c_k g_k) and amplified a little where a method divides by a small difference of
 * Gram entries; the K × K problems are float64 on both sides, so no method needs a looser bound.
 */
async function compareEveryMethod({ project, studio, inputs }: Prepared): Promise<void> {
  const torch = readTraces(
    await runPython(['parity.py', inputs], project, { OMP_NUM_THREADS: '1' }),
  );
  const rows: string[] = [];
  for (const method of BALANCING_METHODS) {
    const ours = studio.get(method)!;
    const theirs = torch[method];
    const errors = ours.steps.map((step, s) => ({
      weights: weightsError(theirs.steps[s]!.weights, step.weights),
      gradient: relative(theirs.steps[s]!.trunkGradient, step.trunkGradient),
      variables: relative(theirs.steps[s]!.variables, step.variables),
    }));
    rows.push(
      `${method.padEnd(12)} ${errors.map((e) => `w ${e.weights.toExponential(1)} g ${e.gradient.toExponential(1)} θ ${e.variables.toExponential(1)}`).join(' | ')}`,
    );
    for (const s of [0, 2]) {
      const e = errors[s]!;
      expect.soft(e.weights, `${method} task weights, step ${s + 1}`).toBeLessThan(1e-5);
      expect.soft(e.gradient, `${method} trunk gradient, step ${s + 1}`).toBeLessThan(1e-5);
      expect.soft(e.variables, `${method} weights after step ${s + 1}`).toBeLessThan(1e-5);
    }
    // balancing.json after three steps: the same keys, and the same numbers to 1e-5.
    expect.soft(stateDifference(theirs.state, ours.state), `${method} state`).toBeLessThan(1e-5);
  }
  console.log(`studio vs PyTorch, relative differences per step:\n${rows.join('\n')}`);
}

beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-parity-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe.skipIf(!hasTorch)('balancing in the PyTorch export against the studio, two tasks', () => {
  let prepared: Prepared;
  beforeAll(async () => {
    prepared = await prepare(parityGraph(2), 'two-tasks');
  }, 240_000);

  it('every method: the same task weights, trunk gradient and weights after 1 and 3 steps', async () => {
    await compareEveryMethod(prepared);
  }, 240_000);
});

describe.skipIf(!hasTorch)(
  'balancing in the PyTorch export against the studio, three tasks',
  () => {
    let prepared: Prepared;
    let studio: Prepared['studio'];
    let inputs: string;
    let project: string;
    beforeAll(async () => {
      prepared = await prepare(parityGraph(3), 'three-tasks');
      ({ studio, inputs, project } = prepared);
    }, 240_000);

    it('every method: the same task weights, trunk gradient and weights after 1 and 3 steps', async () => {
      await compareEveryMethod(prepared);
    }, 240_000);

    it('carries the checkpoint’s balancing.json, and train.py’s balancing goes on from it', async () => {
      const base = parityGraph(3);
      const graph: GraphDocument = {
        ...base,
        training: { ...base.training, balancing: { method: 'rlw', params: {}, probesPerEpoch: 0 } },
      };
      const run = join(work, 'rlw-run');
      (await writeTrainedRun(graph, run, SEED)).dispose();
      // The studio's state after its three steps, as its checkpoint keeps it beside the model.
      await writeFile(
        join(run, MODEL_DIR, BALANCING_FILE),
        JSON.stringify(studio.get('rlw')!.state),
      );
      const dir = join(work, 'rlw');
      await writeExportFolder(
        dir,
        await exportRunFiles(run, { format: 'pytorch', checkpoint: 'best' }),
      );
      const script = `
import json, sys, torch, train
from balancing import Balancing
from model import load_model
spec = json.load(open("training.json"))
data = json.load(open(sys.argv[1]))
model = load_model(".").train()
balancing = Balancing(spec, model, model, torch.optim.SGD(model.parameters(), lr=0.1), train.task_loss)
assert balancing.load("."), "no balancing.json"
x = torch.tensor(data["x"]).reshape([-1] + spec["inputShape"])
ys = [torch.tensor(y).reshape(len(x), -1) for y in data["ys"]]
print(json.dumps({"weights": balancing.step(x, ys), "steps": balancing.get_state()["steps"]}))
`;
      const out = JSON.parse(await runPython(['-c', script, inputs], dir)) as {
        weights: Record<string, number>;
        steps: number;
      };
      // The fourth step's draws of the studio's generator: three normals a step.
      const rng = createRng(SEED, RLW_STREAM);
      const draws = Array.from({ length: 4 }, () => [rng.normal(), rng.normal(), rng.normal()]);
      const fourth = rlwWeights(draws[3]!);
      const lossWeights = { kind: 1, where: 2, value: 0.5 };
      expect(out.steps).toBe(4);
      expect(
        weightsError(out.weights, {
          kind: fourth[0]! * lossWeights.kind,
          where: fourth[1]! * lossWeights.where,
          value: fourth[2]! * lossWeights.value,
        }),
      ).toBeLessThan(1e-12);
    }, 120_000);

    it('torchrun with 2 processes, half the batch each, steps as one process on the whole batch', async () => {
      const methods = BALANCING_METHODS.filter((m) => BALANCING[m].level === 'gradient');
      const logs = join(work, 'torchrun-logs');
      const run = (args: string[]) => runPython(args, project, { OMP_NUM_THREADS: '1' });
      const only = join(work, 'gradient-level.json');
      await writeFile(
        only,
        JSON.stringify({ ...JSON.parse(await readFile(inputs, 'utf8')), methods }),
      );
      const one = readTraces(await run(['parity.py', only]));
      const two = readTraces(
        await run([
          '-m',
          'torch.distributed.run',
          '--nproc_per_node',
          '2',
          '--redirects',
          '1',
          '--tee',
          '1',
          '--log_dir',
          logs,
          'parity.py',
          only,
        ]),
      );
      for (const method of methods) {
        const a = one[method].steps.at(-1)!;
        const b = two[method].steps.at(-1)!;
        expect.soft(relative(b.variables, a.variables), method).toBeLessThan(1e-5);
        expect.soft(weightsError(b.weights, a.weights), method).toBeLessThan(1e-5);
      }
    }, 240_000);
  },
);
