import { describe, expect, it } from 'vitest';
import {
  createRedrawQueue,
  LONG_DRAW_MS,
  REST_MS,
  type FrameSource,
} from './redraw-queue.ts';

const FRAME_MS = 1000 / 60;

/**
 * Frames and time by hand: `frame()` moves the clock on by a frame and runs what was asked for
 * before it, as the browser does; `spend(ms)` is a draw that takes that long.
 */
function manualFrames() {
  let pending: (() => void)[] = [];
  let time = 0;
  const source: FrameSource = {
    requestFrame: (callback) => void pending.push(callback),
    now: () => time,
  };
  const frame = () => {
    time += FRAME_MS;
    const due = pending;
    pending = [];
    for (const callback of due) callback();
  };
  const spend = (ms: number) => {
    time += ms;
  };
  return { source, frame, spend, asked: () => pending.length, now: () => time };
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

  it('draws every frame while the draws fit in their frames', () => {
    const frames = manualFrames();
    const queue = createRedrawQueue(frames.source);
    const drawn: number[] = [];
    for (let i = 0; i < 5; i++) {
      queue.request({}, () => {
        frames.spend(LONG_DRAW_MS - 1);
        drawn.push(i);
      });
    }
    for (let i = 0; i < 5; i++) frames.frame();
    expect(drawn).toEqual([0, 1, 2, 3, 4]);
  });

  it('waits after a draw that held up its frame, then draws the next chart', () => {
    const frames = manualFrames();
    const queue = createRedrawQueue(frames.source);
    const drawn: { chart: string; at: number }[] = [];
    for (const chart of ['total', 'class loss', 'box loss']) {
      queue.request({}, () => {
        drawn.push({ chart, at: frames.now() });
        frames.spend(25);
      });
    }
    let count = 0;
    while (queue.waiting > 0 && count < 1000) {
      frames.frame();
      count++;
    }
    expect(drawn.map((d) => d.chart)).toEqual(['total', 'class loss', 'box loss']);
    for (let i = 1; i < drawn.length; i++) {
      const gap = drawn[i]!.at - (drawn[i - 1]!.at + 25);
      // The rest, and then at most the frame in which it ended.
      expect(gap).toBeGreaterThanOrEqual(REST_MS);
      expect(gap).toBeLessThan(REST_MS + 2 * FRAME_MS);
    }
    // The frames of the rest draw nothing: about 24 frames to each draw.
    expect(count).toBeGreaterThan(2 * (REST_MS / FRAME_MS));
  });

  it('rests four times as long as a draw that took longer than the rest', () => {
    const frames = manualFrames();
    const queue = createRedrawQueue(frames.source);
    const at: number[] = [];
    for (let i = 0; i < 2; i++) {
      queue.request({}, () => {
        at.push(frames.now());
        frames.spend(200);
      });
    }
    for (let i = 0; i < 200 && queue.waiting > 0; i++) frames.frame();
    expect(at).toHaveLength(2);
    expect(at[1]! - (at[0]! + 200)).toBeGreaterThanOrEqual(800);
  });

  it('keeps taking the newest data of a chart that asks again while the charts rest', () => {
    const frames = manualFrames();
    const queue = createRedrawQueue(frames.source);
    const batches = {};
    const drawn: string[] = [];
    queue.request({}, () => {
      drawn.push('total');
      frames.spend(30);
    });
    queue.request(batches, () => drawn.push('batches at step 1'));
    frames.frame();
    for (let step = 2; step <= 10; step++) {
      queue.request(batches, () => drawn.push(`batches at step ${step}`));
      frames.frame();
    }
    expect(drawn).toEqual(['total']);
    for (let i = 0; i < 30; i++) frames.frame();
    expect(drawn).toEqual(['total', 'batches at step 10']);
  });
});
