import { useMemo } from 'react';
import type { DatasetInfo } from '../../../core/contract/host.ts';
import type { HeadInfo } from '../../../core/graph/analyze.ts';
import { checkBindings } from '../../../core/graph/binding.ts';
import { targetAtImageSize } from '../../../core/tasks/registry.ts';
import type { Problem } from '../../../core/problems.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { useBuiltInDatasets, useDatasets } from './use-datasets.ts';

const NONE: readonly Problem[] = [];

/**
 * Each head against the targets of the dataset the graph trains on, as the engine checks them
 * before training: a built-in dataset, or an imported one once it was inspected. Nothing while
 * the dataset's targets are unknown (a path not inspected yet).
 */
export function bindingProblems(
  heads: readonly HeadInfo[],
  datasetName: string,
  datasets: readonly DatasetInfo[],
  builtInNames: readonly string[],
  imageSize?: readonly [height: number, width: number],
): readonly Problem[] {
  const dataset = datasets.find((d) => d.name === datasetName);
  if (!dataset || heads.length === 0) return NONE;
  const builtIn = builtInNames.includes(datasetName);
  // The engine's own wording: "the digits dataset", "the '/data/labels.csv' dataset".
  const named = builtIn ? datasetName : `'${datasetName}'`;
  // A built-in dataset draws its maps (masks, depth) at the size of the graph's input.
  const targets =
    builtIn && imageSize
      ? dataset.targets.map((t) => targetAtImageSize(t, imageSize[0], imageSize[1]))
      : dataset.targets;
  const problems = checkBindings(heads, targets, named);
  return problems.length ? problems : NONE;
}

/** The graph's binding problems, for the problems panel and the node inspector. */
export function useBindingProblems(): readonly Problem[] {
  const heads = useGraphStore((s) => s.analysis.heads);
  const inputShape = useGraphStore((s) =>
    s.analysis.inputId ? s.analysis.nodes.get(s.analysis.inputId)?.outputShape : undefined,
  );
  const [height, width] = inputShape ?? [];
  const datasetName = useGraphStore((s) => s.document.training.dataset);
  const datasets = useDatasets();
  const builtIn = useBuiltInDatasets();
  return useMemo(
    () =>
      bindingProblems(
        heads,
        datasetName,
        datasets,
        builtIn.map((d) => d.name),
        height !== undefined && width !== undefined ? [height, width] : undefined,
      ),
    [heads, datasetName, datasets, builtIn, height, width],
  );
}
