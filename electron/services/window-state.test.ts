import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_STATE,
  WINDOW_STATE_FILE,
  captureWindowState,
  createWindowStateStore,
  fitToDisplays,
} from './window-state.ts';

const laptop = { workArea: { x: 0, y: 25, width: 1920, height: 1055 } };
const monitorRight = { workArea: { x: 1920, y: 0, width: 2560, height: 1440 } };

describe('fitToDisplays', () => {
  it('centres a window that was never placed on the first display', () => {
    expect(fitToDisplays(DEFAULT_WINDOW_STATE, [laptop, monitorRight])).toEqual({
      x: 240,
      y: 103,
      width: 1440,
      height: 900,
      maximized: false,
    });
  });

  it('keeps a window where it was on the display it overlaps most', () => {
    const state = { x: 2100, y: 100, width: 1600, height: 1000, maximized: true };
    expect(fitToDisplays(state, [laptop, monitorRight])).toEqual(state);
  });

  it('moves a window back onto the display when it hangs off the edge', () => {
    const state = { x: 1500, y: -200, width: 1440, height: 900, maximized: false };
    expect(fitToDisplays(state, [laptop])).toEqual({ ...state, x: 480, y: 25 });
  });

  it('centres on the first display a window whose display was unplugged', () => {
    const state = { x: 2100, y: 100, width: 1600, height: 1000, maximized: false };
    expect(fitToDisplays(state, [laptop])).toEqual({ ...state, x: 160, y: 53 });
  });

  it('shrinks a window larger than the display to its work area', () => {
    const small = { workArea: { x: 0, y: 0, width: 1280, height: 720 } };
    expect(fitToDisplays({ ...DEFAULT_WINDOW_STATE, x: 0, y: 0 }, [small])).toMatchObject({
      x: 0,
      y: 0,
      width: 1280,
      height: 720,
    });
  });

  it('keeps a minimum size for a remembered tiny window', () => {
    const state = { x: 10, y: 40, width: 50, height: 20, maximized: false };
    expect(fitToDisplays(state, [laptop])).toMatchObject({ width: 800, height: 600 });
  });
});

describe('captureWindowState', () => {
  it('remembers the normal bounds of a maximized window', () => {
    const window = {
      getNormalBounds: () => ({ x: 5, y: 6, width: 1000, height: 700 }),
      isMaximized: () => true,
    };
    expect(captureWindowState(window)).toEqual({
      x: 5,
      y: 6,
      width: 1000,
      height: 700,
      maximized: true,
    });
  });
});

describe('window state store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mts-window-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives the defaults (1440×900) before anything was saved', async () => {
    expect(await createWindowStateStore({ userDataDir: dir }).load()).toEqual({
      width: 1440,
      height: 900,
      maximized: false,
    });
  });

  it('saves and loads the state', async () => {
    const state = { x: 12, y: 34, width: 1200, height: 800, maximized: true };
    await createWindowStateStore({ userDataDir: join(dir, 'new') }).save(state);
    expect(await createWindowStateStore({ userDataDir: join(dir, 'new') }).load()).toEqual(state);
    expect(JSON.parse(await readFile(join(dir, 'new', WINDOW_STATE_FILE), 'utf8'))).toEqual(state);
  });

  it('falls back to the defaults for a damaged or wrong file', async () => {
    await mkdir(dir, { recursive: true });
    const store = createWindowStateStore({ userDataDir: dir });
    await writeFile(join(dir, WINDOW_STATE_FILE), '{');
    expect(await store.load()).toEqual(DEFAULT_WINDOW_STATE);
    await writeFile(join(dir, WINDOW_STATE_FILE), '{"width": -3, "height": 1, "maximized": false}');
    expect(await store.load()).toEqual(DEFAULT_WINDOW_STATE);
  });
});
