import { describe, expect, it } from 'vitest';
import { createRedrawQueue, type FrameSource } from './redraw-queue.ts';

/** Frames by hand: `frame()` runs what was asked for before it, as the browser does. */
function manualFrames() {
  let pending: (() => void)[] = [];
  const source: FrameSource = { requestFrame: (callback) => void pending.push(callback) };
  const frame = () => {
    const due = pending;
    pending = [];
    for (const callback of due) callback();
  };
  return { source, frame, asked: () => pending.length };
}

describe('createRedrawQueue', () => {
  it('draws the charts an epoch changed one per frame, in the order they asked', () => {
    const frames = manualFrames();
    const queue = createRedrawQueue(frames.source);
    const drawn: string[][] = [];
    const charts = ['total', 'class loss', 'class accuracy', 'box loss'].map((name) => ({ name }));
    for (const chart of charts) queue.request(chart, () => drawn.at(-1)!.push(chart.name));
    expect(frames.asked()).toBe(1);
    for (let i = 0; i < 5; i++) {
      drawn.push([]);
      frames.frame();
    }
    expect(drawn).toEqual([['total'], ['class loss'], ['class accuracy'], ['box loss'], []]);
    // Nothing waits: no frame is asked for.
    expect(frames.asked()).toBe(0);
    expect(queue.waiting).toBe(0);
  });

  it('draws a chart whose data changed many times before its turn once, with the newest data', () => {
    const frames = manualFrames();
    const queue = createRedrawQueue(frames.source);
    const batches = {};
    const total = {};
    const drawn: string[] = [];
    queue.request(batches, () => drawn.push('batches at step 1'));
    queue.request(total, () => drawn.push('total'));
    // Twenty batch events before the next frame: the card keeps its place in the queue.
    for (let step = 2; step <= 20; step++) {
      queue.request(batches, () => drawn.push(`batches at step ${step}`));
    }
    frames.frame();
    frames.frame();
    frames.frame();
    expect(drawn).toEqual(['batches at step 20', 'total']);
  });

  it('forgets a chart that is gone, and goes on past a chart that fails to draw', () => {
    const frames = manualFrames();
    const queue = createRedrawQueue(frames.source);
    const drawn: string[] = [];
    const gone = {};
    queue.request(gone, () => drawn.push('gone'));
    queue.request({}, () => {
      throw new Error('a broken chart');
    });
    queue.request({}, () => drawn.push('last'));
    queue.cancel(gone);
    expect(() => frames.frame()).toThrow('a broken chart');
    frames.frame();
    expect(drawn).toEqual(['last']);
    expect(queue.waiting).toBe(0);
  });
});
