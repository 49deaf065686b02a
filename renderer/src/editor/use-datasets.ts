import { useEffect, useMemo, useState } from 'react';
import type { DatasetInfo } from '../../../core/contract/host.ts';
import { importedInfos, useDatasetStore } from '../datasets/dataset-store.ts';
import { useHost } from '../host/host-context.tsx';

let loaded: Promise<DatasetInfo[]> | undefined;
/** The built-in datasets once the host has answered, for code outside React. */
let builtInList: readonly DatasetInfo[] = [];

/** The host's own (built-in) datasets, asked for once per session. */
export function useBuiltInDatasets(): readonly DatasetInfo[] {
  const host = useHost();
  const [datasets, setDatasets] = useState<readonly DatasetInfo[]>([]);
  useEffect(() => {
    let live = true;
    loaded ??= host.listDatasets().catch(() => {
      loaded = undefined;
      return [];
    });
    void loaded.then((list) => {
      builtInList = list;
      if (live) setDatasets(list);
    });
    return () => {
      live = false;
    };
  }, [host]);
  return datasets;
}

/**
 * Every dataset the graph can train on that this session knows the targets of: the built-in
 * ones, then each imported dataset once it was inspected (named by its path). A head's target
 * suggestions and the binding checks read this.
 */
export function useDatasets(): readonly DatasetInfo[] {
  const builtIn = useBuiltInDatasets();
  const inspected = useDatasetStore((s) => s.inspected);
  return useMemo(() => {
    const names = new Set(builtIn.map((d) => d.name));
    return [...builtIn, ...importedInfos(inspected).filter((d) => !names.has(d.name))];
  }, [builtIn, inspected]);
}

/** The targets of a dataset this session knows (built in, or imported and inspected); none else. */
export function knownTargets(name: string): DatasetInfo['targets'] {
  const inspected = importedInfos(useDatasetStore.getState().inspected);
  return [...builtInList, ...inspected].find((d) => d.name === name)?.targets ?? [];
}
