import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';

/** What the queue needs of the browser: a callback before the next frame is painted. */
export interface FrameSource {
  requestFrame(callback: () => void): void;
}

const browserFrames: FrameSource = {
  requestFrame: (callback) => void requestAnimationFrame(() => callback()),
};

/**
 * Charts whose data changed take turns to redraw, one chart per animation frame. Drawing a chart
 * costs a frame or more of the main thread, and an epoch changes every per-epoch card at once: a
 * dozen cards drawn in one task held the window still for a fifth of a second, every epoch. In
 * turns, each frame draws one card and the window keeps moving; the last card follows the first
 * by a few frames.
 */
export interface RedrawQueue {
  /**
   * Asks for `redraw` on the chart's next turn. Asking again before the turn keeps the chart's
   * place in the queue and replaces the redraw: however often its data changes, a chart draws
   * once per turn, with its newest data.
   */
  request(chart: object, redraw: () => void): void;
  /** The chart is gone: its turn is dropped. */
  cancel(chart: object): void;
  /** Charts waiting for their turn. */
  readonly waiting: number;
}

export function createRedrawQueue(frames: FrameSource = browserFrames): RedrawQueue {
  const queue = new Map<object, () => void>();
  let scheduled = false;

  const schedule = () => {
    if (scheduled || queue.size === 0) return;
    scheduled = true;
    frames.requestFrame(turn);
  };

  function turn() {
    scheduled = false;
    const next = queue.entries().next();
    if (next.done) return;
    const [chart, redraw] = next.value;
    queue.delete(chart);
    // Before the redraw, so a chart that throws does not hold up the others.
    schedule();
    redraw();
  }

  return {
    request(chart, redraw) {
      queue.set(chart, redraw);
      schedule();
    },
    cancel(chart) {
      queue.delete(chart);
    },
    get waiting() {
      return queue.size;
    },
  };
}

/** The run panel's charts share one queue: they share the one main thread. */
export const chartRedraws: RedrawQueue = createRedrawQueue();

/**
 * `value` once it is this chart's turn to draw it: the value of the previous turn until then.
 * The first value is drawn at once.
 */
export function useRedrawTurn<T extends object>(value: T, queue: RedrawQueue = chartRedraws): T {
  const [shown, setShown] = useState(value);
  const [chart] = useState(() => ({}));
  useEffect(() => {
    // Drawn within the turn: left to React's scheduler, the draws of several turns could wait
    // for a busy main thread and then run together in one task.
    if (shown !== value) queue.request(chart, () => flushSync(() => setShown(value)));
    else queue.cancel(chart);
  }, [queue, chart, shown, value]);
  useEffect(() => () => queue.cancel(chart), [queue, chart]);
  return shown;
}
