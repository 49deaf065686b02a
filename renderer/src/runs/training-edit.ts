import type { TrainingSettings } from '../../../core/graph/schema.ts';
import { useGraphStore } from '../graph/graph-store.ts';

/** One undoable edit of the graph's training settings: they are saved with the graph. */
export function editTraining(patch: Partial<TrainingSettings>) {
  useGraphStore
    .getState()
    .execute('Edit training settings', (doc) => ({ ...doc, training: { ...doc.training, ...patch } }));
}
