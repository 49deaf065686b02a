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

type HostPathSetting = 'dataset' | 'initialWeights';

/** A host path a graph's training settings name (its dataset or its starting weights). */
function pathOfGraphText(text: string, setting: HostPathSetting): string | undefined {
  try {
    const value = (JSON.parse(text) as { training?: Record<string, unknown> } | null)?.training?.[
      setting
    ];
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The dataset a graph file trains on, when its text names one. */
export const datasetOfGraphText = (text: string) => pathOfGraphText(text, 'dataset');

/**
 * Which dataset paths the renderer may have inspected or trained on: only those the user chose
 * in the main process's own dialogs and those named by graph files the main process read from
 * disk itself; the same for the weights a run starts from (named only by graph files). Text from the page (a graph it saves) never widens the list, so a compromised
 * page cannot make the main process read a file it names.
 */
const notChosen = (path: string) =>
  new StudioError(
    'E_DATASET_NOT_CHOSEN',
    `The dataset '${path}' was not chosen in this session; choose it again with Choose file… or Choose folder….`,
  );

const weightsNotRead = (path: string) =>
  new StudioError(
    'E_WEIGHTS_NOT_CHOSEN',
    `The starting weights '${path}' were not named by a graph file opened in this session; open that graph file again.`,
  );

export function createDatasetAccess(deps: {
  readonly dialog: Pick<DialogPort, 'showOpenDialog'>;
  readonly inspect: InspectDatasetPort;
}) {
  const allowed = new Set<string>();
  const allowedWeights = new Set<string>();
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
    /** Throws when a run would start from a weights file no graph read from disk named. */
    assertMayStartFrom(weights: string): void {
      if (!allowedWeights.has(weights)) throw weightsNotRead(weights);
    },
    /**
     * A graph the main process read from disk itself: the dataset and the starting weights it
     * names may be read by a run.
     */
    allowGraph(text: string): void {
      const dataset = datasetOfGraphText(text);
      if (dataset !== undefined) allowed.add(dataset);
      const weights = pathOfGraphText(text, 'initialWeights');
      if (weights !== undefined) allowedWeights.add(weights);
    },
  };
}
