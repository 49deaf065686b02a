import { useEffect, useState } from 'react';
import type { DatasetInfo } from '../../../core/contract/host.ts';
import { useHost } from '../host/host-context.tsx';

let loaded: Promise<DatasetInfo[]> | undefined;

/** The host's datasets, asked for once per session (for a head's target suggestions). */
export function useDatasets(): readonly DatasetInfo[] {
  const host = useHost();
  const [datasets, setDatasets] = useState<readonly DatasetInfo[]>([]);
  useEffect(() => {
    let live = true;
    loaded ??= host.listDatasets().catch(() => {
      loaded = undefined;
      return [];
    });
    void loaded.then((list) => {
      if (live) setDatasets(list);
    });
    return () => {
      live = false;
    };
  }, [host]);
  return datasets;
}
