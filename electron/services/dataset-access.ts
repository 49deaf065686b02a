import type { FileFilter } from 'electron';
import type { DatasetInspection } from '../../core/contract/host.ts';
import { StudioError } from '../../core/problems.ts';
import { isBuiltInDataset } from '../../main/datasets/index.ts';
import type { DesktopParsedRequest } from '../ipc/register-channels.ts';
import type { DialogPort } from './dialog-port.ts';

/** A CSV index or COCO annotations; YOLO, Pascal VOC and image folders are chosen as folders. */
export const DATASET_FILE_FILTERS: FileFilter[] = [
  { name: 'Dataset index (CSV, COCO JSON)', extensions: ['csv', 'json'] },
];

export type InspectDatasetRequest = DesktopParsedRequest<'dataset:inspect'>;
export type InspectDatasetPort = (request: InspectDatasetRequest) => Promise<DatasetInspection>;

/** The dataset a graph file trains on, when its text names one. */
export function datasetOfGraphText(text: string): string | undefined {
  try {
    const dataset = (JSON.parse(text) as { training?: { dataset?: unknown } } | null)?.training
      ?.dataset;
    return typeof dataset === 'string' && dataset !== '' ? dataset : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which dataset paths the renderer may have inspected or trained on: only those the user chose
 * in the main process's own dialogs and those named by graph files the main process read from
 * disk itself. Text from the page (a graph it saves) never widens the list, so a compromised
 * page cannot make the main process read a file it names.
 */
const notChosen = (path: string) =>
  new StudioError(
    'E_DATASET_NOT_CHOSEN',
    `The dataset '${path}' was not chosen in this session; choose it again with Choose file… or Choose folder….`,
  );

export function createDatasetAccess(deps: {
  readonly dialog: Pick<DialogPort, 'showOpenDialog'>;
  readonly inspect: InspectDatasetPort;
}) {
  const allowed = new Set<string>();
  return {
    async choose(kind: 'file' | 'folder'): Promise<string | null> {
      const answer = await deps.dialog.showOpenDialog(
        kind === 'file'
          ? {
              title: 'Choose a dataset file (a CSV index or COCO annotations)',
              filters: DATASET_FILE_FILTERS,
              properties: ['openFile'],
            }
          : {
              title: 'Choose a dataset folder (YOLO, Pascal VOC or one folder per class)',
              properties: ['openDirectory'],
            },
      );
      const path = answer.filePaths[0];
      if (answer.canceled || !path) return null;
      allowed.add(path);
      return path;
    },
    inspect(request: InspectDatasetRequest): Promise<DatasetInspection> {
      if (!allowed.has(request.path)) return Promise.reject(notChosen(request.path));
      return deps.inspect(request);
    },
    /** Throws the same sentence when a run would train on an imported dataset not allowed here. */
    assertMayTrainOn(dataset: string): void {
      if (!isBuiltInDataset(dataset) && !allowed.has(dataset)) throw notChosen(dataset);
    },
    /** A graph the main process read from disk itself: the dataset it names may be used. */
    allowGraph(text: string): void {
      const dataset = datasetOfGraphText(text);
      if (dataset !== undefined) allowed.add(dataset);
    },
  };
}
