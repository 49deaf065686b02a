import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../main/engine/atomic-write.ts';

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_WIDTH = 1440;
export const DEFAULT_HEIGHT = 900;
export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 600;

const finite = z.number().finite();
export const windowStateSchema = z.object({
  /** Undefined until the window was placed once: the display's centre. */
  x: finite.optional(),
  y: finite.optional(),
  width: finite.positive(),
  height: finite.positive(),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The part of an Electron Display this module reads. */
export interface DisplayLike {
  readonly workArea: Rect;
}

/** The part of a BrowserWindow needed to remember where it was. */
export interface PlacedWindowLike {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = {
  width: DEFAULT_WIDTH,
  height: DEFAULT_HEIGHT,
  maximized: false,
};

export type PlacedWindowState = WindowState & { x: number; y: number };

const overlap = (a: Rect, b: Rect) =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) *
  Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), max);

/**
 * Places the window on the display it overlaps most, wholly inside its work area and no larger
 * than it; a window on no display (one unplugged since) is centred on the first display, which
 * the caller passes as the primary one.
 */
export function fitToDisplays(
  state: WindowState,
  displays: readonly DisplayLike[],
): PlacedWindowState {
  const [primary] = displays;
  if (!primary) return { ...state, x: state.x ?? 0, y: state.y ?? 0 };
  const placed =
    state.x === undefined || state.y === undefined
      ? undefined
      : { x: state.x, y: state.y, width: state.width, height: state.height };
  let target = primary;
  let best = 0;
  if (placed) {
    for (const display of displays) {
      const area = overlap(placed, display.workArea);
      if (area > best) [target, best] = [display, area];
    }
  }
  const area = target.workArea;
  const width = Math.round(clamp(state.width, Math.min(MIN_WIDTH, area.width), area.width));
  const height = Math.round(clamp(state.height, Math.min(MIN_HEIGHT, area.height), area.height));
  const centred = !placed || best === 0;
  const x = centred ? area.x + (area.width - width) / 2 : placed.x;
  const y = centred ? area.y + (area.height - height) / 2 : placed.y;
  return {
    maximized: state.maximized,
    width,
    height,
    x: Math.round(clamp(x, area.x, area.x + area.width - width)),
    y: Math.round(clamp(y, area.y, area.y + area.height - height)),
  };
}

/** The state to remember: the normal bounds, so a maximized window restores to its old size. */
export function captureWindowState(window: PlacedWindowLike): WindowState {
  const { x, y, width, height } = window.getNormalBounds();
  return { x, y, width, height, maximized: window.isMaximized() };
}

export interface WindowStateStore {
  /** The remembered state, or the defaults when there is none or it is damaged. */
  load(): Promise<WindowState>;
  save(state: WindowState): Promise<void>;
}

export function createWindowStateStore({
  userDataDir,
  fs = nodeFs,
}: {
  readonly userDataDir: string;
  readonly fs?: Pick<typeof nodeFs, 'readFile' | 'writeFile' | 'rename' | 'unlink' | 'mkdir'>;
}): WindowStateStore {
  const file = join(userDataDir, WINDOW_STATE_FILE);
  return {
    async load() {
      try {
        const parsed = windowStateSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
        return parsed.success ? parsed.data : { ...DEFAULT_WINDOW_STATE };
      } catch {
        return { ...DEFAULT_WINDOW_STATE };
      }
    },
    async save(state) {
      await fs.mkdir(userDataDir, { recursive: true });
      await writeFileAtomic(file, JSON.stringify(windowStateSchema.parse(state)), fs);
    },
  };
}
