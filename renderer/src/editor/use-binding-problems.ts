import { useMemo } from 'react';
import type { DatasetInfo } from '../../../core/contract/host.ts';
import type { HeadInfo } from '../../../core/graph/analyze.ts';
import { checkBindings } from '../../../core/graph/binding.ts';
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
): readonly Problem[] {
  const dataset = datasets.find((d) => d.name === datasetName);
  if (!dataset || heads.length === 0) return NONE;
  // The engine's own wording: "the digits dataset", "the '/data/labels.csv' dataset".
  const named = builtInNames.includes(datasetName) ? datasetName : `'${datasetName}'`;
  const problems = checkBindings(heads, dataset.targets, named);
  return problems.length ? problems : NONE;
}

/** The graph's binding problems, for the problems panel and the node inspector. */
export function useBindingProblems(): readonly Problem[] {
  const heads = useGraphStore((s) => s.analysis.heads);
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
      ),
    [heads, datasetName, datasets, builtIn],
  );
}
