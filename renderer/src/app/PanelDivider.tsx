import { useCallback, useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { useUiStore } from '../editor/ui-store.ts';

/** The training panel keeps room for its controls; the canvas keeps room for a few nodes. */
export const MIN_RUNS_HEIGHT = 180;
const MIN_CANVAS_HEIGHT = 140;
const KEY_STEP = 40;

/** The largest panel height that leaves the canvas its minimum, for a window of `innerHeight`. */
export const maxRunsHeight = (innerHeight: number): number =>
  Math.max(MIN_RUNS_HEIGHT, innerHeight - MIN_CANVAS_HEIGHT - 48);

export const clampRunsHeight = (height: number, innerHeight: number): number =>
  Math.min(maxRunsHeight(innerHeight), Math.max(MIN_RUNS_HEIGHT, height));

/**
 * The bar between the canvas and the training panel: drag it (or focus it and press the arrow
 * keys, Home, End) to give the results more or less room; a double click fills the window
 * with results and back. A window splitter in the ARIA sense.
 */
export function PanelDivider() {
  const chosen = useUiStore((s) => s.runsHeight);
  const panel = useRef<HTMLDivElement>(null);
  /** The panel's height now: the chosen one, or what the layout gave it. */
  const current = () =>
    chosen ?? Math.round(panel.current?.parentElement?.getBoundingClientRect().height ?? 300);
  const full = useUiStore((s) => s.resultsFull);
  const drag = useRef<{ y: number; height: number } | undefined>(undefined);

  const set = useCallback((h: number) => {
    const ui = useUiStore.getState();
    ui.setRunsHeight(clampRunsHeight(h, window.innerHeight));
    if (ui.resultsFull) ui.setResultsFull(false);
  }, []);

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { y: e.clientY, height: current() };
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (drag.current) set(drag.current.height + drag.current.y - e.clientY);
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    drag.current = undefined;
    e.currentTarget.releasePointerCapture(e.pointerId);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const moves: Record<string, number> = {
      ArrowUp: current() + KEY_STEP,
      ArrowDown: current() - KEY_STEP,
      Home: maxRunsHeight(window.innerHeight),
      End: MIN_RUNS_HEIGHT,
    };
    const next = moves[e.key];
    if (next === undefined) return;
    e.preventDefault();
    set(next);
  };

  return (
    <div
      ref={panel}
      className="panel-divider"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the training panel"
      aria-valuemin={MIN_RUNS_HEIGHT}
      aria-valuemax={maxRunsHeight(typeof window === 'undefined' ? 900 : window.innerHeight)}
      aria-valuenow={chosen}
      tabIndex={0}
      data-testid="panel-divider"
      title="Drag to resize the training panel; double-click to give the results the whole window"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onDoubleClick={() => useUiStore.getState().setResultsFull(!full)}
      onKeyDown={onKeyDown}
    />
  );
}
