import type { GraphDocument } from '../../core/graph/schema.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import type { Dataset, DatasetSplit } from '../datasets/types.ts';
import { loadBuiltInForGraph } from '../runs/dataset-for-run.ts';

/** The graph's built-in dataset cut to exactly `batches` full training batches (seed 1). */
export function benchDataset(graph: GraphDocument, batches: number, batchSize: number): Dataset {
  // Enough samples for the 80/10/10 split, then exactly `batches` full batches of training.
  const limit = Math.ceil((batches * batchSize) / 0.8) + 2;
  const loaded = loadBuiltInForGraph(analyzeGraph(graph), {
    name: graph.training.dataset,
    seed: 1,
    limit,
  });
  return {
    ...loaded,
    splits: { ...loaded.splits, train: firstSamples(loaded.splits.train, batches * batchSize) },
  };
}

function firstSamples(split: DatasetSplit, n: number): DatasetSplit {
  const pixels = split.images.length / split.size;
  const targets = Object.fromEntries(
    Object.entries(split.targets).map(([name, values]) => [
      name,
      values.subarray(0, (values.length / split.size) * n),
    ]),
  );
  return { size: n, images: split.images.subarray(0, n * pixels), targets };
}
