import { describe, expect, it } from 'vitest';
import type { EpochEvent } from '../../../core/contract/training.ts';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { earlyStoppingSchema } from '../../../core/graph/training-control.ts';
import { tinyReferenceGraph } from '../test-graphs.ts';
import { EpochMonitor, resolveMonitor } from './monitor.ts';
import { asTaskName } from '../../../core/ids.ts';
import { metricNamesOf } from '../../../core/tasks/registry.ts';

const heads = analyzeGraph(tinyReferenceGraph()).heads;

/** An epoch whose validation total loss and box mean IoU are given. */
const epoch = (n: number, loss: number, meanIoU = 0.5): EpochEvent => {
  const split = {
    loss,
    samples: 10,
    tasks: { class: { loss, accuracy: 0.5 }, box: { loss: 0.1, meanIoU, iou50: 0.5 } },
  };
  return {
    type: 'epoch',
    epoch: n,
    epochs: 10,
    train: split,
    val: split,
    samplesPerSec: 1,
    seconds: 1,
    backend: 'cpu',
  };
};

describe('EpochMonitor', () => {
  it('infers lower-is-better for losses and MAE, higher for accuracy and IoU', () => {
    expect(resolveMonitor('loss', 'auto', heads)).toBe('min');
    expect(resolveMonitor('box.loss', 'auto', heads)).toBe('min');
    expect(resolveMonitor('box.meanIoU', 'auto', heads)).toBe('max');
    expect(resolveMonitor('class.accuracy', 'auto', heads)).toBe('max');
    expect(resolveMonitor('class.accuracy', 'min', heads)).toBe('min');
  });

  it("reads an attributes head's metrics and MAE's direction from the table of task kinds", () => {
    const more = [
      {
        ...heads[0]!,
        task: asTaskName('tags'),
        targetKind: 'attributes' as const,
        metrics: metricNamesOf('attributes'),
      },
      {
        ...heads[0]!,
        task: asTaskName('colour'),
        targetKind: 'numeric' as const,
        metrics: metricNamesOf('numeric'),
      },
    ];
    expect(resolveMonitor('tags.macroF1', 'auto', more)).toBe('max');
    expect(resolveMonitor('tags.mAP', 'auto', more)).toBe('max');
    expect(resolveMonitor('colour.mae', 'auto', more)).toBe('min');
    expect(() => resolveMonitor('tags.accuracy', 'auto', more)).toThrow(
      /tags\.attributeAccuracy, tags\.macroF1, tags\.mAP/,
    );
  });

  it('refuses a monitor the graph does not report, listing the ones it does', () => {
    expect(() => resolveMonitor('box.accuracy', 'auto', heads)).toThrow(
      "The monitor 'box.accuracy' is not a value this graph reports; choose one of auto, loss, tasks, class.loss, class.accuracy, box.loss, box.meanIoU, box.iou50.",
    );
    expect(() => resolveMonitor('colour.loss', 'auto', heads)).toThrow(/not a value this graph/);
  });

  it('keeps the best epoch and stops after `patience` epochs without improvement', () => {
    const settings = earlyStoppingSchema.parse({ enabled: true, patience: 2 });
    const monitor = new EpochMonitor(settings, heads);
    const losses = [1.0, 0.8, 0.85, 0.79, 0.9, 0.95];
    const verdicts = losses.map((loss, i) => monitor.update(epoch(i + 1, loss)));
    expect(verdicts.map((v) => v.improved)).toEqual([true, true, false, true, false, false]);
    expect(verdicts.map((v) => v.stop)).toEqual([false, false, false, false, false, true]);
    expect(verdicts.at(-1)?.best).toEqual({ epoch: 4, monitor: 'loss', value: 0.79 });
    expect(monitor.stopReason(6)).toBe(
      'stopped early at epoch 6: validation total loss did not improve for 2 epochs; best epoch 4 restored',
    );
  });

  it('counts only changes larger than min delta, in the metric’s direction', () => {
    const settings = earlyStoppingSchema.parse({
      enabled: true,
      monitor: 'box.meanIoU',
      patience: 1,
      minDelta: 0.01,
    });
    const monitor = new EpochMonitor(settings, heads);
    expect(monitor.update(epoch(1, 1, 0.5)).improved).toBe(true);
    const small = monitor.update(epoch(2, 1, 0.505));
    expect(small).toMatchObject({ improved: false, stop: true });
    expect(small.best.epoch).toBe(1);
  });

  it('never stops when early stopping is off, and resumes its count from its state', () => {
    const settings = earlyStoppingSchema.parse({ patience: 0 });
    const monitor = new EpochMonitor(settings, heads);
    monitor.update(epoch(1, 1));
    expect(monitor.update(epoch(2, 2)).stop).toBe(false);
    const resumed = new EpochMonitor(
      earlyStoppingSchema.parse({ enabled: true, patience: 2 }),
      heads,
    );
    resumed.setState(monitor.getState());
    expect(resumed.update(epoch(3, 3))).toMatchObject({ stop: true, best: { epoch: 1 } });
  });

  it('never counts a NaN as an improvement', () => {
    const monitor = new EpochMonitor(earlyStoppingSchema.parse({}), heads);
    monitor.update(epoch(1, 1));
    expect(monitor.update(epoch(2, Number.NaN)).improved).toBe(false);
  });

  it('with a balancing method, keeps the epoch where every task improved though the weighted total rose', () => {
    // The PCGrad run on shapes: every validation task loss fell in epoch 2, but the
    // box weight grew to 3.03, so the weighted total rose and the total kept epoch 1.
    const split = (total: number, cls: number, box: number, colour: number) => ({
      loss: total,
      samples: 30,
      tasks: { class: { loss: cls }, box: { loss: box }, colour: { loss: colour } },
    });
    const at = (n: number, val: ReturnType<typeof split>): EpochEvent => ({
      ...epoch(n, val.loss),
      train: val,
      val,
    });
    const first = at(1, split(1.2, 0.6, 0.2, 0.4));
    const second = at(2, split(1.5, 0.5, 0.19, 0.35));
    const auto = earlyStoppingSchema.parse({});
    expect(auto.monitor).toBe('auto');

    const fixedRun = new EpochMonitor(auto, heads, 'fixed');
    expect(fixedRun.monitor).toBe('loss');
    fixedRun.update(first);
    expect(fixedRun.update(second).best.epoch).toBe(1);

    const pcgrad = new EpochMonitor(auto, heads, 'pcgrad');
    expect(pcgrad.monitor).toBe('tasks');
    expect(pcgrad.update(first).best).toEqual({ epoch: 1, monitor: 'tasks', value: 1 });
    const verdict = pcgrad.update(second);
    expect(verdict.improved).toBe(true);
    expect(verdict.best.epoch).toBe(2);
    // (0.5/0.6 + 0.19/0.2 + 0.35/0.4) / 3
    expect(verdict.best.value).toBeCloseTo((0.5 / 0.6 + 0.95 + 0.875) / 3, 10);

    // A resumed run divides by the first epoch's values, not the first epoch after resuming.
    const resumed = new EpochMonitor(auto, heads, 'pcgrad');
    resumed.setState(pcgrad.getState());
    expect(resumed.update(at(3, split(9, 0.6, 0.2, 0.4))).best.epoch).toBe(2);
    expect(resumed.valueOf(at(3, split(9, 0.6, 0.2, 0.4)))).toBeCloseTo(1, 10);
    expect(resumed.stopReason(3)).toContain('validation mean task loss ÷ epoch 1 did not improve');
  });

  it("accepts 'tasks' and 'auto' as monitors and lists them among the choices", () => {
    expect(resolveMonitor('tasks', 'auto', heads)).toBe('min');
    expect(() => resolveMonitor('colour.loss', 'auto', heads)).toThrow(
      /choose one of auto, loss, tasks, class\.loss/,
    );
  });
});
