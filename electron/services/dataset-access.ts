import type { FileFilter, OpenDialogOptions } from 'electron';
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
 * disk itself; the same for the weights a run starts from (named only by graph files). Text from
 * the page (a graph it saves, or work restored from its autosave) never widens the list, so a
 * compromised page cannot make the main process read a file it names.
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

const CHOOSE_FILE_TITLE = 'Choose a dataset file (a CSV index or COCO annotations)';
const CHOOSE_FOLDER_TITLE = 'Choose a dataset folder (YOLO, Pascal VOC or one folder per class)';

const fileDialog = (title: string, defaultPath?: string): OpenDialogOptions => ({
  title,
  ...(defaultPath === undefined ? {} : { defaultPath }),
  filters: DATASET_FILE_FILTERS,
  properties: ['openFile'],
});
const folderDialog = (title: string, defaultPath?: string): OpenDialogOptions => ({
  title,
  ...(defaultPath === undefined ? {} : { defaultPath }),
  properties: ['openDirectory'],
});

/** CSV indexes and COCO annotations are files; every other imported dataset is a folder. */
const isDatasetFile = (path: string) => /\.(csv|json)$/i.test(path);

/** The graph text with one training setting naming another path (the one the user chose). */
function withPathInGraphText(text: string, setting: HostPathSetting, path: string): string {
  const doc = JSON.parse(text) as { training: Record<string, unknown> };
  doc.training[setting] = path;
  return JSON.stringify(doc, null, 2);
}

export function createDatasetAccess(deps: {
  readonly dialog: Pick<DialogPort, 'showOpenDialog'>;
  readonly inspect: InspectDatasetPort;
}) {
  const allowed = new Set<string>();
  const allowedWeights = new Set<string>();

  /** Shows the dialog and allows what the user picked in it; null when cancelled. */
  async function ask(options: OpenDialogOptions, into: Set<string>): Promise<string | null> {
    const answer = await deps.dialog.showOpenDialog(options);
    const path = answer.filePaths[0];
    if (answer.canceled || !path) return null;
    into.add(path);
    return path;
  }

  /**
   * Asks for one path restored text names, in a dialog opened at that path, unless it is
   * allowed already; answers the text naming what the user picked (unchanged when cancelled).
   */
  async function askAgain(
    text: string,
    setting: HostPathSetting,
    options: (path: string) => OpenDialogOptions,
    into: Set<string>,
  ): Promise<string> {
    const named = pathOfGraphText(text, setting);
    if (named === undefined || into.has(named)) return text;
    if (setting === 'dataset' && isBuiltInDataset(named)) return text;
    const picked = await ask(options(named), into);
    return picked === null || picked === named ? text : withPathInGraphText(text, setting, picked);
  }

  return {
    async choose(kind: 'file' | 'folder'): Promise<string | null> {
      return ask(
        kind === 'file' ? fileDialog(CHOOSE_FILE_TITLE) : folderDialog(CHOOSE_FOLDER_TITLE),
        allowed,
      );
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
    /**
     * Work restored after a crash is text the page reported (autosave keeps what the editor
     * sent), so it allows nothing by itself: the dataset and the starting weights it names are
     * asked for again in this process's own dialogs, each opened at the path named. Answers the
     * text naming what the user picked; a cancelled dialog leaves the path named but not allowed,
     * so a run on it is refused with the sentence that says to choose it again.
     */
    async confirmRestored(text: string): Promise<string> {
      const withDataset = await askAgain(
        text,
        'dataset',
        (path) => {
          const title = `The restored work trains on '${path}'; choose it again to use it`;
          return isDatasetFile(path) ? fileDialog(title, path) : folderDialog(title, path);
        },
        allowed,
      );
      return askAgain(
        withDataset,
        'initialWeights',
        (path) => ({
          title: `The restored work starts from the weights '${path}'; choose them again to use them`,
          defaultPath: path,
          filters: [{ name: 'TensorFlow.js model (model.json)', extensions: ['json'] }],
          properties: ['openFile'],
        }),
        allowedWeights,
      );
    },
  };
}
