import type { DatasetSplit, SplitName, TrainingData } from '../datasets/index.ts';

export const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

/** Every sample of every split, read as training reads them: what a round trip must keep. */
export async function tensorsOf(data: TrainingData): Promise<Record<SplitName, DatasetSplit>> {
  const out = {} as Record<SplitName, DatasetSplit>;
  for (const split of SPLITS) {
    const reader = data.splits[split];
    out[split] = await reader.read(Int32Array.from({ length: reader.size }, (_, i) => i));
  }
  return out;
}
