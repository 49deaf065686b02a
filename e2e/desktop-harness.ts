import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { USER_DATA_ENV } from '../electron/window.ts';
import { buildRenderer, ROOT } from './harness.ts';

/**
 * The desktop app under test: the real Electron binary running the built bundles (`electron .`),
 * driven by Playwright. The binary cannot be downloaded everywhere the tests run, so it is looked
 * for, never installed: the 'electron' package is not even imported (that would download it).
 */

/** Where the Electron executable sits inside an unpacked Electron folder, per platform. */
const EXECUTABLE_IN_DIST =
  process.platform === 'win32'
    ? 'electron.exe'
    : process.platform === 'darwin'
      ? 'Electron.app/Contents/MacOS/Electron'
      : 'electron';

/**
 * The Electron executable: in `ELECTRON_OVERRIDE_DIST_PATH` (a folder holding an unpacked
 * Electron, as for `npm start`) or where `npm install` puts it; undefined when there is none.
 */
export function findElectron(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? join(override, EXECUTABLE_IN_DIST)
    : join(ROOT, 'node_modules', 'electron', 'dist', EXECUTABLE_IN_DIST);
  return existsSync(candidate) ? candidate : undefined;
}

export const ELECTRON = findElectron();

const run = promisify(execFile);
let built: Promise<void> | undefined;

/** `npm run build:renderer && npm run build:electron`, once per test process. */
export function buildDesktopApp(): Promise<void> {
  built ??= (async () => {
    await buildRenderer();
    await run(process.execPath, ['--import', 'tsx', 'scripts/build-electron.ts'], { cwd: ROOT });
  })();
  return built;
}

export interface DesktopStudio {
  readonly app: ElectronApplication;
  readonly page: Page;
  /** The app's data folder for this start (autosave, recent list, runs). */
  readonly userData: string;
  /** Uncaught errors in the page; a test that ends with any has found a bug. */
  readonly pageErrors: string[];
  /** The main window's title, as the main process set it. */
  title(): Promise<string>;
  /** Quits the app, answering "Don't Save" if it asks about unsaved changes. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** A data folder to start with (e.g. holding an autosave); a fresh one by default. */
  readonly userData?: string;
  /** Runs in the main process as soon as it answers, before the window has loaded the editor. */
  readonly beforeEditor?: (app: ElectronApplication) => Promise<void>;
}

/** Starts the built app with its own data folder and waits for the editor's canvas. */
export async function launchDesktopStudio(options: LaunchOptions = {}): Promise<DesktopStudio> {
  if (!ELECTRON) throw new Error('No Electron executable: see findElectron.');
  const userData = options.userData ?? (await mkdtemp(join(tmpdir(), 'mts-e2e-desktop-')));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  env[USER_DATA_ENV] = userData;
  const app = await _electron.launch({
    executablePath: ELECTRON,
    // Containers run as root, where Chromium's sandbox cannot start.
    args: ['.', ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
    cwd: ROOT,
    env,
    timeout: 60_000,
  });
  await options.beforeEditor?.(app);
  const page = await app.firstWindow();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.locator('.react-flow__node').first().waitFor({ timeout: 60_000 });
  return {
    app,
    page,
    userData,
    pageErrors,
    title: () =>
      app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.getTitle() ?? ''),
    close: async () => {
      await answerDialogs(app, { message: DONT_SAVE });
      await app.close();
      await rm(userData, { recursive: true, force: true });
    },
  };
}

/** The close prompt's "Don't Save" and the recovery prompt's "Restore" (their button order). */
export const DONT_SAVE = 1;
export const RESTORE = 0;

export interface DialogAnswers {
  /** The file or folder the open dialog picks; it is cancelled when absent. */
  readonly open?: string;
  /** Where the save dialog saves; it is cancelled when absent. */
  readonly save?: string;
  /** The button a message box gets. */
  readonly message?: number;
}

/**
 * Native dialogs cannot be clicked, so the main process's `dialog` functions are replaced by
 * ones that answer at once and count their calls (`dialogCalls`). Set the answers before the
 * step that shows the dialog; they hold until the next call.
 */
export async function answerDialogs(
  app: ElectronApplication,
  answers: DialogAnswers,
): Promise<void> {
  await app.evaluate(({ dialog }, a) => {
    const shared = globalThis as { studioDialogCalls?: string[] };
    const calls = (shared.studioDialogCalls ??= []);
    const stubs: Record<string, () => Promise<unknown>> = {
      showOpenDialog: async () => {
        calls.push('open');
        return a.open
          ? { canceled: false, filePaths: [a.open] }
          : { canceled: true, filePaths: [] };
      },
      showSaveDialog: async () => {
        calls.push('save');
        return a.save ? { canceled: false, filePath: a.save } : { canceled: true };
      },
      showMessageBox: async () => {
        calls.push('message');
        return { response: a.message ?? 0, checkboxChecked: false };
      },
    };
    Object.assign(dialog, stubs);
  }, answers);
}

/** The dialogs shown since the first `answerDialogs`, in order. */
export const dialogCalls = (app: ElectronApplication): Promise<string[]> =>
  app.evaluate(() => [
    ...((globalThis as { studioDialogCalls?: string[] }).studioDialogCalls ?? []),
  ]);
