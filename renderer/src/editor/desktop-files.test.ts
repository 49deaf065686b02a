import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DesktopApi } from '../../../core/contract/desktop.ts';
import { serializeGraphDocument } from '../../../core/graph/load.ts';
import { emptyDocument } from '../graph/empty-document.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { twoHeads } from '../graph/test-graphs.ts';
import {
  EMPTY_TEMPLATE,
  openDesktopFile,
  openFile,
  openRecoveredDocument,
  openTemplate,
} from './actions.ts';
import { reportDocumentState, type ReportTimers } from './desktop-bridge.ts';
import { saveWithDialog, setUntitled } from './desktop-files.ts';
import { useUiStore } from './ui-store.ts';

/**
 * What the editor tells the main process about its document's file: `untitled` decides whether
 * Save may write to the file the main process holds, `recovered` links restored work to its file.
 */

const GRAPH = serializeGraphDocument(twoHeads());
/** Parses, but is no graph: the loader's sentence says so. */
const BROKEN = '[]';

type Report = { name: string; dirty: boolean; untitled: boolean; recovered: boolean };

function reporter() {
  const reports: Report[] = [];
  const queue: (() => void)[] = [];
  const timers: ReportTimers = {
    setTimeout: (callback) => queue.push(callback),
    clearTimeout: () => queue.splice(0),
  };
  const api = {
    'document:state': vi.fn(async (state: unknown) => void reports.push(state as Report)),
  };
  const stop = reportDocumentState(api, useGraphStore, timers);
  /** The report the debounce would send now. */
  const next = (): Report | undefined => {
    for (const callback of queue.splice(0)) callback();
    return reports.at(-1);
  };
  return { reports, next, stop };
}

const confirm = vi.fn(() => true);
beforeEach(() => {
  vi.stubGlobal('window', { confirm });
  confirm.mockClear();
  useGraphStore.getState().setDocumentFromFile('start', emptyDocument());
  setUntitled(false);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('untitled in document:state', () => {
  it('is true after New or a template, false after a file the main process opened', () => {
    const { next, stop } = reporter();
    expect(openTemplate(EMPTY_TEMPLATE)).toBe(true);
    expect(next()).toMatchObject({ untitled: true, dirty: false, recovered: false });
    const opened = openDesktopFile({
      path: '/a/model.graph.json',
      name: 'model.graph.json',
      text: GRAPH,
    });
    expect(opened).toBe(true);
    expect(next()).toMatchObject({ name: 'model.graph.json', untitled: false });
    stop();
  });

  it('is true when the main process read a file the editor could not open', () => {
    const { next, stop } = reporter();
    openDesktopFile({ path: '/a/model.graph.json', name: 'model.graph.json', text: GRAPH });
    next();
    const opened = openDesktopFile({
      path: '/a/bad.graph.json',
      name: 'bad.graph.json',
      text: BROKEN,
    });
    expect(opened).toBe(false);
    // The document is unchanged, so nothing is reported until it is edited; then Save must ask.
    useGraphStore.getState().execute('Rename', (d) => ({ ...d, name: 'edited' }));
    expect(next()).toMatchObject({ name: 'model.graph.json', untitled: true, dirty: true });
    stop();
  });

  it('is true after a dropped file, whose path the main process never learns', async () => {
    const { next, stop } = reporter();
    openDesktopFile({ path: '/a/model.graph.json', name: 'model.graph.json', text: GRAPH });
    next();
    await openFile(new File([GRAPH], 'dropped.graph.json'), {
      readModelFile: () => Promise.reject(new Error('No model file in this test.')),
    });
    expect(next()).toMatchObject({ name: 'dropped.graph.json', untitled: true });
    stop();
  });

  it('is false once Save gave the document a file', async () => {
    const { next, stop } = reporter();
    openTemplate(EMPTY_TEMPLATE);
    next();
    const save = vi.fn(async () => ({ path: '/a/chosen.graph.json', name: 'chosen.graph.json' }));
    const api = { 'file:save': save } as unknown as DesktopApi;
    const doc = useGraphStore.getState().document;
    await expect(saveWithDialog(api, 'untitled', doc, false)).resolves.toBe('chosen');
    // An untitled document may not overwrite the last file: Save was a Save As.
    expect(save).toHaveBeenCalledWith(expect.objectContaining({ saveAs: true }));
    useGraphStore.getState().markSaved('chosen');
    expect(next()).toMatchObject({ name: 'chosen.graph.json', untitled: false });
    stop();
  });
});

describe('restored work', () => {
  it('opens with unsaved changes, and only its first report says recovered', () => {
    const { next, stop } = reporter();
    expect(openRecoveredDocument({ name: 'model.graph.json', text: GRAPH, untitled: false })).toBe(
      true,
    );
    expect(useGraphStore.getState().file).toEqual({ name: 'model', dirty: true });
    expect(useGraphStore.getState().canUndo).toBe(false);
    expect(next()).toMatchObject({ dirty: true, untitled: false, recovered: true });
    useGraphStore.getState().execute('Rename', (d) => ({ ...d, name: 'edited' }));
    expect(next()).toMatchObject({ dirty: true, untitled: false, recovered: false });
    stop();
  });

  it('stays untitled when it never had a file', () => {
    const { next, stop } = reporter();
    openRecoveredDocument({ name: 'keras-reference.graph.json', text: GRAPH, untitled: true });
    expect(next()).toMatchObject({
      name: 'keras-reference.graph.json',
      untitled: true,
      recovered: true,
    });
    stop();
  });

  it('asks before replacing unsaved work, and a refusal keeps the graph and says nothing', () => {
    const { next, stop } = reporter();
    useGraphStore.getState().execute('Rename', (d) => ({ ...d, name: 'mine' }));
    next();
    confirm.mockReturnValueOnce(false);
    expect(openRecoveredDocument({ name: 'model.graph.json', text: GRAPH, untitled: false })).toBe(
      false,
    );
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(useGraphStore.getState().document.name).toBe('mine');
    useGraphStore.getState().execute('Rename', (d) => ({ ...d, name: 'mine again' }));
    expect(next()).toMatchObject({ recovered: false });
    stop();
  });

  it('shows why restored work that does not load was not opened', () => {
    expect(openRecoveredDocument({ name: 'model.graph.json', text: BROKEN, untitled: false })).toBe(
      false,
    );
    expect(useUiStore.getState().notice?.text).toContain('not a Multitask Studio graph');
    expect(useGraphStore.getState().file.dirty).toBe(false);
  });

  it('says what an imported model brought in: the input and the heads', () => {
    const layer = (name: string, className: string, config: Record<string, unknown>) => ({
      class_name: className,
      config: { name, ...config },
    });
    const text = JSON.stringify({
      modelTopology: {
        class_name: 'Sequential',
        config: {
          name: 'seq',
          layers: [
            layer('flat', 'Flatten', { batch_input_shape: [null, 8, 8, 1] }),
            layer('digit', 'Dense', { units: 10, activation: 'softmax' }),
          ],
        },
      },
    });
    expect(openDesktopFile({ path: '/models/model.json', name: 'model.json', text })).toBe(true);
    expect(useUiStore.getState().notice?.text).toBe(
      'The input is 8×8×1; the head is digit: classification head, 10 outputs.',
    );
  });
});
