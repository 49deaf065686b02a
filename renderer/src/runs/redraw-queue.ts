import { useEffect, useState, type RefObject } from 'react';
import { flushSync } from 'react-dom';

/** What the queue needs of the browser: a callback before the next frame is painted, and a clock. */
export interface FrameSource {
  requestFrame(callback: () => void): void;
  /** Milliseconds, to time the draws. */
  now(): number;
}

const browserFrames: FrameSource = {
  requestFrame: (callback) => void requestAnimationFrame(() => callback()),
  now: () => performance.now(),
};

/**
 * A draw that took longer held up its frame: the browser's own work for the frame (style,
 * layout, paint) comes on top of it.
 */
export const LONG_DRAW_MS = 10;

/**
 * How long the charts wait after a draw that held up its frame: 24 frames at 60 Hz, so at most
 * about one frame in 25 waits for a chart, however slow the machine. A draw that took longer
 * still is followed by four times its own time, so the charts never take more than a fifth of
 * the main thread.
 */
export const REST_MS = 400;

/**
 * Charts whose data changed take turns to redraw, one chart per animation frame. Drawing a chart
 * costs a frame or more of the main thread, and an epoch changes every per-epoch card at once: a
 * dozen cards drawn in one task held the window still for a fifth of a second, every epoch. In
 * turns, each frame draws one card and the window keeps moving; the last card follows the first
 * by a few frames. Where a draw takes longer than a frame (a slow or busy machine), the next
 * turn waits (REST_MS): the window stays smooth and the charts come later, each with its
 * newest data.
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
  let restUntil = -Infinity;

  const schedule = () => {
    if (scheduled || queue.size === 0) return;
    scheduled = true;
    frames.requestFrame(turn);
  };

  function turn() {
    scheduled = false;
    if (frames.now() < restUntil) {
      schedule();
      return;
    }
    const next = queue.entries().next();
    if (next.done) return;
    const [chart, redraw] = next.value;
    queue.delete(chart);
    const start = frames.now();
    try {
      redraw();
    } finally {
      // Also after a chart that throws, so it does not hold up the others.
      const end = frames.now();
      const took = end - start;
      if (took > LONG_DRAW_MS) restUntil = end + Math.max(REST_MS, 4 * took);
      schedule();
    }
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
 * The first value is drawn at once. A chart that is not on screen takes no turn: it keeps what
 * it drew, and asks for its turn when it comes into view, with the value of then.
 */
export function useRedrawTurn<T extends object>(
  value: T,
  { queue = chartRedraws, onScreen = true }: { queue?: RedrawQueue; onScreen?: boolean } = {},
): T {
  const [shown, setShown] = useState(value);
  const [chart] = useState(() => ({}));
  useEffect(() => {
    // Drawn within the turn: left to React's scheduler, the draws of several turns could wait
    // for a busy main thread and then run together in one task.
    if (shown !== value && onScreen) queue.request(chart, () => flushSync(() => setShown(value)));
    else queue.cancel(chart);
  }, [queue, chart, shown, value, onScreen]);
  useEffect(() => () => queue.cancel(chart), [queue, chart]);
  return shown;
}

/**
 * Whether the element is at least partly in view: in the window and not scrolled out of the
 * panels around it. True until the browser has said otherwise, so a chart draws when it first
 * appears.
 */
export function useOnScreen(element: RefObject<Element | null>): boolean {
  const [onScreen, setOnScreen] = useState(true);
  useEffect(() => {
    const target = element.current;
    if (!target || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      const last = entries[entries.length - 1];
      if (last) setOnScreen(last.isIntersecting);
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [element]);
  return onScreen;
}
