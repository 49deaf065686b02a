import { describe, expect, it } from 'vitest';
import type { DatasetChoice, InspectDatasetRequest } from '../../../core/contract/host.ts';
import { chooseAndInspect, inspectDraft } from './dataset-actions.ts';
import { createDatasetStore, importedInfos } from './dataset-store.ts';
import { defaultDatasetOptions } from './import-draft.ts';
import { sampleInspection } from './test-inspection.ts';

function fakeHost(answers: { path?: string | null | Error; inspect?: Error } = {}) {
  const asked: InspectDatasetRequest[] = [];
  const chosen: DatasetChoice[] = [];
  return {
    asked,
    chosen,
    async inspectDataset(request: InspectDatasetRequest) {
      asked.push(request);
      if (answers.inspect) throw answers.inspect;
      return sampleInspection(request.path);
    },
    async chooseDataset(choice: DatasetChoice) {
      chosen.push(choice);
      if (answers.path instanceof Error) throw answers.path;
      return answers.path === undefined ? '/chosen/labels.csv' : answers.path;
    },
  };
}

describe('the dataset store', () => {
  it('inspects the draft, shows the answer and remembers it by path', async () => {
    const store = createDatasetStore();
    const host = fakeHost();
    store.getState().setPath('  /d/labels.csv ');
    store.getState().setOption('validationFraction', 0.2);
    await expect(inspectDraft(host, store)).resolves.toBe(true);
    expect(host.asked).toEqual([
      { path: '/d/labels.csv', options: { ...defaultDatasetOptions(), validationFraction: 0.2 } },
    ]);
    const state = store.getState();
    expect(state.busy).toBeUndefined();
    expect(state.shown?.draft.path).toBe('/d/labels.csv');
    expect(Object.keys(state.inspected)).toEqual(['/d/labels.csv']);
    expect(importedInfos(state.inspected).map((d) => d.name)).toEqual(['/d/labels.csv']);
    // Opening the dialog on the same path again shows what was found; another path shows nothing.
    store.getState().begin({ path: '/other', options: defaultDatasetOptions() });
    expect(store.getState().shown).toBeUndefined();
    store.getState().begin({ path: '/d/labels.csv', options: defaultDatasetOptions() });
    expect(store.getState().shown?.inspection.info.name).toBe('/d/labels.csv');
  });

  it('keeps the host’s sentence, and asks nothing without a path or with a bad option', async () => {
    const store = createDatasetStore();
    const host = fakeHost({ inspect: new Error("There is no file or folder at '/nope'.") });
    await expect(inspectDraft(host, store)).resolves.toBe(false);
    expect(store.getState().error).toBe('Give the path of a dataset first.');
    store.getState().setPath('/nope');
    store.getState().setOption('testFraction', 2);
    await inspectDraft(host, store);
    expect(store.getState().error).toContain('out of their bounds');
    store.getState().setOption('testFraction', 0.1);
    await inspectDraft(host, store);
    expect(store.getState().error).toBe("There is no file or folder at '/nope'.");
    expect(store.getState().shown).toBeUndefined();
    expect(host.asked).toHaveLength(1);
  });

  it('inspects a chosen or uploaded dataset at once, and does nothing on cancel', async () => {
    const store = createDatasetStore();
    const host = fakeHost();
    await chooseAndInspect(host, store, { kind: 'file' });
    expect(store.getState().draft.path).toBe('/chosen/labels.csv');
    expect(host.asked.map((r) => r.path)).toEqual(['/chosen/labels.csv']);

    const cancelled = fakeHost({ path: null });
    await chooseAndInspect(cancelled, store, { kind: 'folder' });
    expect(cancelled.asked).toEqual([]);
    expect(store.getState().draft.path).toBe('/chosen/labels.csv');

    const refused = fakeHost({ path: new Error('The zip is larger than 2 GiB.') });
    await chooseAndInspect(refused, store, {
      kind: 'upload',
      name: 'a.zip',
      data: new ArrayBuffer(1),
    });
    expect(store.getState().error).toBe('The zip is larger than 2 GiB.');
    expect(store.getState().busy).toBeUndefined();
  });
});
