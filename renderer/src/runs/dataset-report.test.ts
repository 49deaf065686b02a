import { describe, expect, it } from 'vitest';
import type { DatasetReport } from '../../../core/contract/training.ts';
import { newRun, type EpochEvent } from './run-reducer.ts';
import { graph, RUN, settings, startedEvent } from './test-events.ts';
import { reportHeadline, runDatasetReport, unreadableText } from './dataset-report.ts';

const report: DatasetReport = {
  format: 'csv',
  source: '/d/labels.csv',
  splitFrom: 'ratio',
  sizes: { train: 24, validation: 3, test: 3 },
  badRows: { 'missing-file': 1 },
  dropped: 1,
  fixed: 0,
  firstMessages: ['Row 32 of labels.csv names images/missing.png, which does not exist.'],
  objectChoice: 'largest',
  multiObjectImages: 0,
};

const run = newRun({ runId: RUN, label: 'Run 1', graph, settings });

describe('the run’s dataset report', () => {
  it('is absent for a built-in dataset', () => {
    expect(runDatasetReport({ ...run, started: startedEvent })).toBeUndefined();
  });

  it('says how the data was split, what was skipped, and what could not be read', () => {
    const started = { ...startedEvent, dataset: { ...startedEvent.dataset, report } };
    const epoch = (unreadable?: number) =>
      ({ unreadable }) as unknown as EpochEvent;
    const shown = runDatasetReport({ ...run, started, epochs: [epoch(2), epoch(undefined)] });
    expect(shown).toEqual({
      headline: 'CSV, split by the seed, class by class · 1 row skipped, 0 repaired',
      messages: report.firstMessages,
      unreadable: 2,
    });
    expect(reportHeadline({ ...report, dropped: 0, splitFrom: 'data' })).toBe(
      'CSV, split as the data says · no bad rows',
    );
    expect(unreadableText(1)).toBe('1 image could not be read while training and was left out.');
  });

  it('says what became of the images without objects', () => {
    const background = { images: 4, noLabelFile: 1, kept: false };
    const started = {
      ...startedEvent,
      dataset: { ...startedEvent.dataset, report: { ...report, background } },
    };
    expect(runDatasetReport({ ...run, started })?.messages).toEqual([
      '4 images have no objects or only ignored ones (1 without a label file, which YOLO reads as no objects): left out, because a class or box head has no label for an image without objects.',
      ...report.firstMessages,
    ]);
    const kept = { ...started, dataset: { ...started.dataset, report: { ...report, background: { ...background, kept: true, noLabelFile: 0 } } } };
    expect(runDatasetReport({ ...run, started: kept })?.messages[0]).toBe(
      '4 images have no objects or only ignored ones: kept as background for the detection head.',
    );
  });
});
