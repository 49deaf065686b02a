import { describe, expect, it } from 'vitest';
import { appendBatchLoss, emptySeries } from './batch-series.ts';
import {
  allTasksLossModel,
  drawable,
  epochCardModel,
  epochCards,
  growingAxisMax,
  runColor,
  taskColors,
  type ChartRun,
} from './chart-data.ts';
import { kerasLine, progressText } from './format.ts';
import { decodeToRgba, headView } from './gallery-draw.ts';
import type { EpochEvent } from './run-reducer.ts';
import { niceTicks, shortNumber, zeroBasedTicks } from './RunLineChart.tsx';
import { split } from './test-events.ts';

const epochEvent = (epoch: number, loss: number): EpochEvent => ({
  type: 'epoch',
  epoch,
  epochs: 3,
  train: split(loss),
  val: split(loss * 1.1),
  samplesPerSec: 50,
  seconds: 10,
  backend: 'wasm',
});

const series = (losses: number[]) =>
  losses.reduce((s, l, i) => appendBatchLoss(s, (i + 1) * 10, l), emptySeries());

const shown: ChartRun = {
  label: 'Run 2 · Keras reference',
  tasks: ['class', 'box'],
  batchSeries: { class: series([2, 1, 0]), box: series([0.7, 0.6, 0.5]) },
  epochs: [epochEvent(1, 1), epochEvent(2, 0.5)],
};
const previous: ChartRun = {
  label: 'Run 1 · Keras reference',
  tasks: ['box', 'colour'],
  batchSeries: { box: series([0.8, 0.7]), colour: series([3]) },
  epochs: [epochEvent(1, 2)],
};

describe('chart models', () => {
  it('gives each task one colour, in the order the tasks first appear', () => {
    const colors = taskColors([shown, previous]);
    expect([...colors.keys()]).toEqual(['class', 'box', 'colour']);
    const model = allTasksLossModel(shown, { log: false, normalised: false });
    const boxLines = model.lines.filter((l) => l.key.startsWith('box|'));
    expect(new Set(boxLines.map((l) => l.color))).toEqual(new Set([colors.get('box')]));
  });

  it('all tasks: raw and smoothed per batch while the batches are known', () => {
    const model = allTasksLossModel(shown, { log: false, normalised: false });
    expect(model.xKey).toBe('step');
    expect(model.lines.map((l) => l.key)).toEqual(['class|raw', 'class|smooth', 'box|raw', 'box|smooth']);
    expect(model.rows.map((r) => r.step)).toEqual([10, 20, 30]);
    expect(model.rows[0]?.['box|smooth']).toBeCloseTo(0.7);
  });

  it('all tasks, normalised: each series over its first value, so small losses are not flattened', () => {
    const model = allTasksLossModel(shown, { log: false, normalised: true });
    expect(model.rows[0]?.['class|smooth']).toBeCloseTo(1);
    expect(model.rows[0]?.['box|smooth']).toBeCloseTo(1);
    const last = model.rows.at(-1);
    expect(last?.['box|raw']).toBeCloseTo(0.5 / 0.7);
  });

  it('all tasks: per epoch, train solid and validation dashed, for a run without batches', () => {
    const model = allTasksLossModel({ ...shown, batchSeries: {} }, { log: false, normalised: false });
    expect(model.xKey).toBe('epoch');
    expect(model.lines.map((l) => [l.key, l.dash])).toEqual([
      ['class|train', undefined],
      ['class|val', '6 4'],
      ['box|train', undefined],
      ['box|val', '6 4'],
    ]);
    expect(model.rows[1]?.['class|val']).toBeCloseTo(0.275);
  });

  it('guards a log axis against zero and non-finite values', () => {
    expect(drawable(0, true)).toBeNull();
    expect(drawable(0, false)).toBe(0);
    expect(drawable(Number.NaN, false)).toBeNull();
    const model = allTasksLossModel(shown, { log: true, normalised: false });
    expect(model.rows[2]?.['class|raw']).toBeNull();
  });

  it('epoch cards: one colour per run, train solid and validation dashed, named by run', () => {
    const model = epochCardModel([shown, previous], (m) => m.tasks.box?.loss, false);
    expect(model.lines.map((l) => [l.key, l.color, l.dash])).toEqual([
      ['0|train', runColor(0), undefined],
      ['0|val', runColor(0), '6 4'],
      ['1|train', runColor(1), undefined],
      ['1|val', runColor(1), '6 4'],
    ]);
    expect(model.lines[3]?.name).toBe('Run 1 · Keras reference validation');
    expect(model.rows.map((r) => r.epoch)).toEqual([1, 2]);
    expect(model.rows[1]?.['0|train']).toBeCloseTo(0.25);
    expect(model.rows[1]?.['1|train']).toBeUndefined();
    expect(epochCardModel([shown], (m) => m.loss, false).rows[1]?.['0|val']).toBeCloseTo(0.55);
  });

  it('cards: all tasks on one scale, then per task its loss and every metric a run reports', () => {
    const cards = epochCards([shown, previous]);
    // Each run's tasks ÷ its own first epoch: the weights a method sets do not enter.
    const model = epochCardModel([shown], cards[0]!.value, false);
    expect(model.rows.map((r) => r['0|train'])).toEqual([1, 0.5]);
    expect(model.rows[1]?.['0|val']).toBeCloseTo(0.5);
    expect(cards.map((c) => c.title)).toEqual([
      'Task loss ÷ epoch 1',
      'class · loss',
      'class · accuracy',
      'box · loss',
      'box · mean IoU',
      'box · IoU≥0.5',
      'colour · loss',
    ]);
  });
});

describe('formatting', () => {
  it('progress reads like the command line', () => {
    const p = { epoch: 2, epochs: 5, batch: 120, batchesPerEpoch: 250, samplesPerSec: 55.31, etaSeconds: 192 };
    expect(progressText(p)).toBe('epoch 2/5 · batch 120/250 · 55.3 samples/s · ETA 3m12s');
  });

  it('the evaluation line reads like Keras', () => {
    expect(kerasLine(split(0.5))).toBe(
      'loss: 0.5000 - class_loss: 0.2500 - box_loss: 0.2500 - class_accuracy: 0.9000 - box_mean_iou: 0.6000 - box_iou50: 0.7000',
    );
  });

  it('ticks are round numbers', () => {
    expect(niceTicks(0, 1250)).toEqual([0, 250, 500, 750, 1000, 1250]);
    expect(niceTicks(1, 5, 4, true)).toEqual([1, 2, 3, 4, 5]);
    expect(niceTicks(1, 12, 5, true)).toEqual([3, 6, 9, 12]);
    expect(zeroBasedTicks(2.6)).toEqual([0, 1, 2, 3]);
    expect(zeroBasedTicks(0.71)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(shortNumber(1250)).toBe('1.25k');
    expect(shortNumber(0.01234)).toBe('0.012');
  });
});

describe('gallery', () => {
  it('decodes grey and colour pixels to RGBA', () => {
    const grey = { width: 2, height: 1, channels: 1, pixels: btoa('\x00\xff'), heads: [] };
    expect([...decodeToRgba(grey)]).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    const rgb = { width: 1, height: 1, channels: 3, pixels: btoa('\x01\x02\x03'), heads: [] };
    expect([...decodeToRgba(rgb)]).toEqual([1, 2, 3, 255]);
  });

  it('names the true and predicted class with its probability', () => {
    const head = {
      task: 'class',
      targetKind: 'class' as const,
      truth: [0, 0, 1],
      prediction: [0.1, 0.7, 0.2],
      classes: ['circle', 'square', 'triangle'],
    };
    expect(headView(head)).toEqual({ text: 'true triangle · predicted square (70%)', ok: false });
  });

  it("draws a box head's boxes ordered and clamped, and words its IoU", () => {
    const view = headView({
      task: 'box',
      targetKind: 'box',
      truth: [0, 0, 0.5, 0.5],
      prediction: [0.75, 0.5, 0.25, -1],
    });
    expect(view.boxes?.prediction).toEqual([0.25, 0, 0.75, 0.5]);
    expect(view).toMatchObject({ text: 'box IoU 0.33', ok: false });
  });

  it('marks the attributes that are on as found or missed, and wrongly predicted ones', () => {
    const view = headView({
      task: 'tags',
      targetKind: 'attributes',
      truth: [1, 1, 0, 0],
      prediction: [0.9, 0.2, 0.7, 0.1],
      classes: ['smiling', 'glasses', 'hat', 'beard'],
    });
    expect(view.marks).toEqual([
      { name: 'smiling', verdict: 'hit' },
      { name: 'glasses', verdict: 'missed' },
      { name: 'hat', verdict: 'extra' },
    ]);
    expect(view).toMatchObject({ text: 'on smiling · missed glasses · wrongly on hat', ok: false });
  });
});

describe('growingAxisMax', () => {
  it('runs a quarter ahead of the data in round steps, never past the plan', () => {
    expect(growingAxisMax(4, 2400)).toBe(5);
    expect(growingAxisMax(40, 2400)).toBe(50);
    expect(growingAxisMax(90, 2400)).toBe(200);
    expect(growingAxisMax(2000, 2400)).toBe(2400);
    expect(growingAxisMax(2400, 2400)).toBe(2400);
    expect(growingAxisMax(1, 200)).toBe(2);
    expect(growingAxisMax(0, 0)).toBe(1);
  });
});
