import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { NODE_ID_PATTERN, TASK_NAME_PATTERN } from '../../core/ids.ts';
import { createRng } from '../datasets/rng.ts';
import { initBackend } from '../engine/backend.ts';
import { compileGraph } from '../engine/compile.ts';
import type { ExportFiles } from './files.ts';
import { kerasFiles } from './keras.ts';
import { pytorchFiles } from './pytorch.ts';
import { describeModel, type ExportSource, type Weight } from './source.ts';
import { randomImages } from './test-exports.ts';
import { buildWithFakeKeras, parsePythonFiles, torchOutputs } from './test-generated-python.ts';
import { fuzzGraph, randomText } from './test-hostile.ts';
import { pythonHas } from './test-python.ts';

/** Graphs with random strings in every field the schema lets take any; the first few are run. */
const GRAPHS = 200;
const RUN = 3;
const hasTorch = pythonHas('torch', 'numpy', 'h5py');
const README_TITLE = ' — PyTorch project exported from Multitask Studio';
/** Controls, format marks, separators and unpaired surrogates; a plain space is visible text. */
const INVISIBLE = /(?! )[\p{C}\p{Z}]/u;

let work: string;
beforeAll(async () => {
  await initBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'mts-fuzz-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const none = new Uint8Array();
const files = { runName: 'fuzz', modelJson: none, weightsBin: none, runFiles: new Map() };

/** The graph's export source with the compiled model's (initial) weights, no run folder needed. */
function sourceOf(graph: GraphDocument): ExportSource {
  const { model } = compileGraph(graph);
  const weights = new Map<string, Weight>(
    model.weights.map((w) => [
      w.originalName,
      { shape: w.shape as number[], values: w.read().dataSync() as Float32Array },
    ]),
  );
  model.dispose();
  return describeModel(graph, weights, files);
}

async function write(folder: string, files: ExportFiles, all: boolean) {
  await mkdir(folder, { recursive: true });
  for (const [name, bytes] of files) {
    if (all || /\.(py|md)$/.test(name)) await writeFile(join(folder, name), bytes);
  }
}

describe('the exporters on graphs with random strings', () => {
  it(`write Python that parses, a README that keeps its lines, for ${GRAPHS} graphs; the first ${RUN} import and build with nothing else run`, async () => {
    const graphs: GraphDocument[] = [];
    for (let seed = 0; seed < GRAPHS; seed++) {
      const graph = fuzzGraph(seed);
      graphs.push(graph);
      const source = sourceOf(graph);
      const dir = join(work, String(seed));
      const torch = pytorchFiles(source);
      const readme = new TextDecoder().decode(torch.get('README.md'));
      expect([seed, readme.split('\n')[0]!.endsWith(README_TITLE)]).toEqual([seed, true]);
      expect([seed, INVISIBLE.test(readme.replace(/\n/g, ''))]).toEqual([seed, false]);
      await write(join(dir, 'pytorch'), torch, seed < RUN);
      await write(join(dir, 'keras'), await kerasFiles(source), seed < RUN);
    }
    const parsed = await parsePythonFiles(work);
    // PyTorch: model.py, train.py, balancing.py, balancing_math.py; Keras: model.py.
    expect(Object.keys(parsed)).toHaveLength(GRAPHS * 5);
    const broken = Object.entries(parsed).filter(([, p]) => p.error);
    expect(broken).toEqual([]);
    graphs.forEach((graph, seed) => {
      for (const format of ['pytorch', 'keras']) {
        const doc = parsed[`${seed}/${format}/model.py`]?.doc ?? '';
        expect([seed, format, doc.startsWith(`${graph.name}: the model`)]).toEqual([
          seed,
          format,
          true,
        ]);
      }
    });
    if (!hasTorch) {
      console.log(
        '/usr/bin/python3 has no torch and h5py: the fuzzed exports were parsed, not run.',
      );
      return;
    }
    for (let seed = 0; seed < RUN; seed++) {
      const graph = graphs[seed]!;
      const { heads, nodes, inputId } = analyzeGraph(graph);
      const folder = join(work, String(seed), 'pytorch');
      await writeFile(join(folder, 'x.bin'), randomImages(2, nodes.get(inputId!)!.outputShape!));
      const out = await torchOutputs(folder, 'x.bin');
      expect(Object.keys(out)).toEqual(heads.map((h) => h.task));
      const built = await buildWithFakeKeras(join(work, String(seed), 'keras'));
      expect(built.outputs).toEqual(heads.map((h) => h.nodeId));
    }
  }, 300_000);

  it('leaves node ids and task names to the schema, which refuses any outside its pattern', () => {
    const rng = createRng(23);
    const base = fuzzGraph(1);
    for (let i = 0; i < 300; i++) {
      const id = randomText(rng, 70, 1);
      if (base.nodes.some((n) => n.id === id)) continue;
      const renamed = { ...base.nodes[0]!, id };
      const loaded = loadGraphDocument({
        ...base,
        nodes: [renamed, ...base.nodes.slice(1)],
        edges: base.edges.map((e) => (e.source === base.nodes[0]!.id ? { ...e, source: id } : e)),
      });
      expect([id, loaded.ok]).toEqual([id, NODE_ID_PATTERN.test(id)]);

      const task = randomText(rng, 50, 1);
      const head = base.nodes.findIndex((n) => n.kind === 'ClassificationHead');
      const nodes = base.nodes.map((n, j) =>
        j === head ? { ...n, params: { ...n.params, task } } : n,
      );
      const graph = { ...base, nodes };
      // The model's graph is checked before its weights are looked at: none are needed here.
      const exported = (() => {
        try {
          return describeModel(graph, new Map(), files).heads.some((h) => h.task === task);
        } catch {
          return false;
        }
      })();
      expect([task, exported]).toEqual([task, TASK_NAME_PATTERN.test(task)]);
    }
  }, 120_000);
});
