import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { graphStateCreator, type GraphState } from '../graph/graph-store.ts';
import { twoHeads } from '../graph/test-graphs.ts';
import {
  applyImportedDataset,
  datasetLabel,
  defaultDatasetOptions,
  draftFromTraining,
  invalidOptionKeys,
  optionFields,
  optionValue,
  sameDraft,
  withOption,
} from './import-draft.ts';

describe('the dataset options form', () => {
  it('has every option with its doc and bounds, augmentation last', () => {
    const fields = optionFields();
    expect(fields.map((f) => f.key)).toEqual([
      'format',
      'boxUnits',
      'objectChoice',
      'resize',
      'validationFraction',
      'testFraction',
      'onBadRows',
      'cache',
      'attributes',
      'depthScale',
      'augment.flip',
      'augment.shift',
      'augment.scale',
      'augment.brightness',
      'augment.contrast',
    ]);
    expect(fields.find((f) => f.key === 'format')?.options).toEqual([
      'auto',
      'csv',
      'coco',
      'yolo',
      'voc',
      'folder',
    ]);
    expect(fields.find((f) => f.key === 'validationFraction')).toMatchObject({
      type: 'number',
      min: 0,
      max: 0.5,
      description: 'Share of images for validation when the data has no split of its own.',
    });
    expect(fields.find((f) => f.key === 'augment.shift')).toMatchObject({
      name: 'shift',
      max: 0.3,
    });
    expect(fields.every((f) => f.description.length > 0)).toBe(true);
  });

  it('reads and edits options by key; auto means no format', () => {
    let options = defaultDatasetOptions();
    expect(optionValue(options, 'format')).toBe('auto');
    options = withOption(options, 'format', 'yolo');
    expect(options.format).toBe('yolo');
    expect('format' in withOption(options, 'format', 'auto')).toBe(false);
    options = withOption(options, 'augment.flip', true);
    expect(options.augment).toEqual({ ...defaultDatasetOptions().augment, flip: true });
    expect(optionValue(options, 'augment.flip')).toBe(true);
    expect(optionValue(withOption(options, 'onBadRows', 'stop'), 'onBadRows')).toBe('stop');
  });

  it('names the fields out of their bounds', () => {
    const options = withOption(
      withOption(defaultDatasetOptions(), 'validationFraction', 0.9),
      'augment.shift',
      -1,
    );
    expect([...invalidOptionKeys(options)].sort()).toEqual(['augment.shift', 'validationFraction']);
    expect(invalidOptionKeys(defaultDatasetOptions()).size).toBe(0);
  });
});

describe('drafts', () => {
  it('start from the graph’s imported dataset, or empty for a built-in one', () => {
    const options = withOption(defaultDatasetOptions(), 'testFraction', 0.2);
    expect(draftFromTraining({ dataset: '/d/a.csv', datasetOptions: options }, ['digits'])).toEqual(
      {
        path: '/d/a.csv',
        options,
      },
    );
    expect(draftFromTraining({ dataset: 'digits', datasetOptions: options }, ['digits']).path).toBe(
      '',
    );
  });

  it('compare by value, whatever the key order', () => {
    const a = { path: '/d', options: defaultDatasetOptions() };
    const reordered = {
      path: '/d',
      options: {
        ...[...Object.entries(a.options)].reverse().reduce((o, [k, v]) => ({ ...o, [k]: v }), {}),
      },
    } as typeof a;
    expect(sameDraft(a, reordered)).toBe(true);
    expect(sameDraft(a, { ...a, path: '/e' })).toBe(false);
    expect(sameDraft(a, { ...a, options: withOption(a.options, 'cache', false) })).toBe(false);
  });

  it('become the graph’s dataset and options in one undoable step', () => {
    const store = createStore<GraphState>()(graphStateCreator);
    store.getState().setDocumentFromFile('g', twoHeads());
    const draft = {
      path: '/d/a.csv',
      options: withOption(defaultDatasetOptions(), 'resize', 'stretch'),
    };
    store.getState().execute('Use imported dataset', (doc) => applyImportedDataset(doc, draft));
    expect(store.getState().document.training).toMatchObject({
      dataset: '/d/a.csv',
      datasetOptions: { resize: 'stretch' },
    });
    expect(store.getState().undoLabel).toBe('Use imported dataset');
    store.getState().undo();
    expect(store.getState().document.training.dataset).toBe('digits');
  });

  it('label a path by its last two parts', () => {
    expect(datasetLabel('digits')).toBe('digits');
    expect(datasetLabel('/home/me/shapes/labels.csv')).toBe('…/shapes/labels.csv');
    expect(datasetLabel('C:\\data\\voc\\set')).toBe('…/voc/set');
  });
});
