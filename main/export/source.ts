import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Checkpoint } from '../../core/contract/export.ts';
import { readableFolder } from '../engine/atomic-write.ts';
import {
  analyzeGraph,
  type GraphAnalysis,
  type HeadInfo,
  type NodeAnalysis,
} from '../../core/graph/analyze.ts';
import { nodesFeedingHeads } from '../../core/graph/model-nodes.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import type { NodeId } from '../../core/ids.ts';
import { firstErrorSentence, StudioError } from '../../core/problems.ts';
import type { Shape } from '../../core/shape.ts';
import type { DatasetTarget } from '../../core/tasks/registry.ts';
import {
  BALANCING_FILE,
  GRAPH_FILE,
  CHECKPOINT_DIRS,
  LAST_DIR,
  METRICS_FILE,
  MODEL_FILE,
  RUN_FILE,
  runManifestSchema,
  WEIGHTS_FILE,
} from '../runs/run-manifest.ts';
import { readRegularFileIfAny } from '../fs/regular-file.ts';

import type { Weight } from '../runs/weight.ts';
import { readWeights } from '../runs/weights-file.ts';

export { readWeights, type Weight };

/** A node of the exported model, in an order where every node comes after its inputs. */
export interface ModelNode extends NodeAnalysis {
  readonly params: Readonly<Record<string, unknown>>;
  readonly outputShape: Shape;
  /** The node's weights by their Keras name: kernel, bias, gamma, beta, moving_mean, … */
  readonly weights: ReadonlyMap<string, Weight>;
}

/**
 * Everything an export format needs from a run: the graph as it was trained, the model's nodes
 * with their trained weights, and the run's own files. Reading it needs no engine.
 */
export interface ExportSource {
  readonly runName: string;
  readonly graph: GraphDocument;
  readonly analysis: GraphAnalysis;
  readonly inputId: NodeId;
  readonly inputShape: Shape;
  readonly nodes: readonly ModelNode[];
  readonly heads: readonly HeadInfo[];
  /** model.json and weights.bin as saved. */
  readonly modelJson: Uint8Array;
  readonly weightsBin: Uint8Array;
  /** graph.json, metrics.json and run.json, where the run has them. */
  readonly runFiles: ReadonlyMap<string, Uint8Array>;
  /** The checkpoint's balancing.json (the balancing method's state), where it has one. */
  readonly balancingState?: Uint8Array;
  /** The dataset's targets as run.json recorded them (class names…); older runs have none. */
  readonly targets?: readonly DatasetTarget[];
}

/** The targets run.json recorded; none from a run.json that is absent, unreadable or older. */
function recordedTargets(runJson: Uint8Array | undefined): readonly DatasetTarget[] | undefined {
  if (!runJson) return undefined;
  try {
    const parsed = runManifestSchema.safeParse(JSON.parse(new TextDecoder().decode(runJson)));
    return parsed.success ? parsed.data.dataset.targets : undefined;
  } catch {
    return undefined;
  }
}

/** The weights of one layer, by the part of their name after the layer's ("kernel", …). */
function layerWeights(all: ReadonlyMap<string, Weight>, id: string): Map<string, Weight> {
  const own = new Map<string, Weight>();
  for (const [name, weight] of all) {
    const slash = name.lastIndexOf('/');
    if (slash > 0 && name.slice(0, slash) === id) own.set(name.slice(slash + 1), weight);
  }
  return own;
}

const readOptional = (path: string): Promise<Uint8Array | undefined> =>
  readRegularFileIfAny(path, { what: 'run file' });

/**
 * Reads a run folder's checkpoint for export. `runName` names the run in sentences (its id in
 * the app, its folder on the command line).
 */
export async function readExportSource(
  dir: string,
  checkpoint: Checkpoint,
  runName = basename(dir),
): Promise<ExportSource> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new StudioError('E_RUN_UNKNOWN', `There is no run '${runName}'.`);
  const modelDir = readableFolder(join(dir, CHECKPOINT_DIRS[checkpoint]));
  // Every save writes the same topology and weight layout, so a save that lands between the two
  // reads still gives a matching pair.
  const modelJson = await readOptional(join(modelDir, MODEL_FILE));
  const weightsBin = await readOptional(join(modelDir, WEIGHTS_FILE));
  if (!modelJson || !weightsBin) {
    throw new StudioError(
      'E_MODEL_MISSING',
      checkpoint === 'best'
        ? `The run '${runName}' has no trained model yet: it saves one after its first epoch.`
        : `The run '${runName}' has no '${checkpoint}' model (${LAST_DIR}/); export its best one instead.`,
    );
  }
  const runFiles = new Map<string, Uint8Array>();
  for (const name of [GRAPH_FILE, METRICS_FILE, RUN_FILE]) {
    const bytes = await readOptional(join(dir, name));
    if (bytes) runFiles.set(name, bytes);
  }
  const graphBytes = runFiles.get(GRAPH_FILE);
  if (!graphBytes) {
    throw new StudioError(
      'E_RUN_INVALID',
      `${dir} is not a Multitask Studio run folder: ${GRAPH_FILE} is missing.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(graphBytes));
  } catch (e) {
    throw new StudioError(
      'E_RUN_INVALID',
      `${join(dir, GRAPH_FILE)} cannot be read: ${(e as Error).message}.`,
    );
  }
  const loaded = loadGraphDocument(parsed);
  if (!loaded.ok) throw loaded.error;
  let model: unknown;
  try {
    model = JSON.parse(new TextDecoder().decode(modelJson));
  } catch (e) {
    throw new StudioError(
      'E_RUN_INVALID',
      `${join(modelDir, MODEL_FILE)} cannot be read: ${(e as Error).message}.`,
    );
  }
  const balancingState = await readOptional(join(modelDir, BALANCING_FILE));
  const targets = recordedTargets(runFiles.get(RUN_FILE));
  return describeModel(
    loaded.document,
    readWeights(model, weightsBin, join(modelDir, WEIGHTS_FILE)),
    {
      runName,
      modelJson,
      weightsBin,
      runFiles,
      ...(balancingState ? { balancingState } : {}),
      ...(targets ? { targets } : {}),
    },
  );
}

/** The graph's model with its weights attached, node by node. */
export function describeModel(
  graph: GraphDocument,
  weights: ReadonlyMap<string, Weight>,
  files: Pick<
    ExportSource,
    'runName' | 'modelJson' | 'weightsBin' | 'runFiles' | 'balancingState' | 'targets'
  >,
): ExportSource {
  const analysis = analyzeGraph(graph);
  const error = firstErrorSentence(analysis.problems);
  if (error) throw new StudioError(error.code, error.message);
  const needed = nodesFeedingHeads(analysis);
  const nodes: ModelNode[] = [];
  for (const id of analysis.order) {
    const node = analysis.nodes.get(id);
    if (!needed.has(id) || !node?.params || !node.outputShape) continue;
    nodes.push({
      ...node,
      params: node.params,
      outputShape: node.outputShape,
      weights: layerWeights(weights, id),
    });
  }
  const inputId = analysis.inputId as NodeId;
  const inputShape = analysis.nodes.get(inputId)?.outputShape as Shape;
  return { ...files, graph, analysis, inputId, inputShape, nodes, heads: analysis.heads };
}

/** A node's weight that must exist; a missing one means the model does not match its graph. */
export function weightOf(node: ModelNode, name: string): Weight {
  const weight = node.weights.get(name);
  if (!weight) {
    throw new StudioError(
      'E_RUN_INVALID',
      `The saved model has no weight '${node.id}/${name}', so it does not match the run's graph.`,
    );
  }
  return weight;
}
