/**
 * The desktop app's main process: one window showing the renderer from the app's own files, the
 * IPC channels of the contract, the menu, and training in utility processes. Everything that can
 * be decided without Electron lives in the modules it wires (tested with fakes); this file only
 * connects them to the real thing.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  protocol,
  screen,
  session,
  shell,
  utilityProcess,
} from 'electron';
import type { DesktopEvent, MenuCommand } from '../core/contract/desktop.ts';
import { builtInDatasetInfos } from '../main/datasets/index.ts';
import { listExamples } from '../main/app-host/examples.ts';
import { isAppFrame, registerChannels, type DesktopHandlers } from './ipc/register-channels.ts';
import { buildMenuTemplate } from './menu.ts';
import { APP_INDEX_URL, APP_SCHEME, serveAppRequest } from './protocol.ts';
import { createDesktopHandlers } from './services/desktop-handlers.ts';
import { dialogPortFor } from './services/dialog-port.ts';
import { createFileService } from './services/file-service.ts';
import { offerRecovery, recoveredDocument } from './services/recovery.ts';
import {
  captureWindowState,
  createWindowStateStore,
  fitToDisplays,
} from './services/window-state.ts';
import { createUtilityInspector } from './services/inspect-utility.ts';
import { createDesktopRuns } from './training/desktop-runs.ts';
import type { ForkUtility } from './training/utility-child.ts';
import {
  denyPermissions,
  fileArgument,
  hardenWebContents,
  mainWindowOptions,
  themeBackground,
  userDataOverride,
} from './window.ts';

/** out/electron, where the bundles of this file, the preload and the training process lie. */
const here = dirname(fileURLToPath(import.meta.url));
const appRoot = app.getAppPath();
const isDev = !app.isPackaged;

// Before 'ready': app:// is a standard, secure origin with fetch, like https.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// Before anything reads userData, the single-instance lock included.
const userDataFolder = userDataOverride(process.env);
if (userDataFolder) app.setPath('userData', userDataFolder);

let win: BrowserWindow | null = null;
/** Files asked for before the editor listens (its first 'document:state' says it does). */
let rendererReady = false;
const pendingPaths: string[] = [];
/** Unsaved work of a crashed session is offered once per start, not per window. */
let recoveryOffered = false;

const log = (line: string) => process.stderr.write(`${line}\n`);

function send(event: DesktopEvent, payload: unknown): void {
  if (win && !win.isDestroyed()) win.webContents.send(event, payload);
}

function focusWindow(): void {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

if (!app.requestSingleInstanceLock()) {
  // The running instance opens our file (see 'second-instance'); this one has nothing to do.
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  const userDataDir = app.getPath('userData');
  const files = createFileService({ userDataDir });
  const windowState = createWindowStateStore({ userDataDir });
  const dialogs = dialogPortFor(dialog, () => win);

  app.on('second-instance', (_event, argv) => {
    focusWindow();
    const path = fileArgument(argv);
    if (path) void openPath(path);
  });
  // macOS: a graph file dropped on the Dock icon or opened from Finder.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    void openPath(path);
  });

  await app.whenReady();
  nativeTheme.themeSource = 'system';

  protocol.handle(APP_SCHEME, (request) =>
    serveAppRequest(request, { root: join(appRoot, 'out', 'renderer') }),
  );
  denyPermissions(session.defaultSession);
  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, (url) => void shell.openExternal(url)),
  );

  const fork: ForkUtility = (modulePath, args, options) =>
    utilityProcess.fork(modulePath, args, options);
  const runs = createDesktopRuns({
    runsDir: join(userDataDir, 'runs'),
    fork,
    entry: join(here, 'training-process.js'),
    send: (event) => send('host-event', event),
    log,
  });

  const shellApi = createDesktopHandlers({
    inspectDataset: createUtilityInspector(fork, join(here, 'inspect-process.js')),
    dialog: dialogs,
    files,
    runs,
    listExamples: () =>
      listExamples(join(appRoot, 'assets', 'examples'), (file, reason) =>
        log(`The example ${file} was left out: ${reason}`),
      ),
    listDatasets: builtInDatasetInfos,
    getWindow: () => win,
    defaultSaveDir: app.getPath('documents'),
    onBackgroundError: (e) => log(`Autosave failed: ${e instanceof Error ? e.message : e}`),
    onSkippedRun: (folder, reason) =>
      log(`The run folder ${folder} was left out of the list: ${reason}`),
  });

  /** Hoisted: the app's events may ask before the window exists; files wait for the editor. */
  async function openPath(path: string): Promise<void> {
    if (!rendererReady) {
      pendingPaths.push(path);
      return;
    }
    try {
      send('file-opened', await shellApi.openPath(resolve(path)));
    } catch (e) {
      await dialogs.showMessageBox({
        type: 'warning',
        message: `Could not open ${path}.`,
        detail: e instanceof Error ? e.message : String(e),
      });
    }
    void refreshMenu();
  }

  const sendCommand = (command: MenuCommand) => send('menu-command', command);
  async function refreshMenu(): Promise<void> {
    const recent = await files.listRecent().catch(() => []);
    const template = buildMenuTemplate({
      isMac: process.platform === 'darwin',
      isDev,
      recent,
      send: sendCommand,
      openRecent: (index) =>
        void files.recentPath(index).then(async (path) => {
          if (path !== undefined) await openPath(path);
        }),
      appName: app.getName(),
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  const base = shellApi.handlers;
  const afterFileChange =
    <A, R>(handler: (request: A) => R) =>
    async (request: A): Promise<Awaited<R>> => {
      const answer = await handler(request);
      void refreshMenu();
      return answer;
    };
  const handlers: DesktopHandlers = {
    ...base,
    'file:open': afterFileChange(base['file:open']),
    'file:save': afterFileChange(base['file:save']),
    'document:state': (request) => {
      base['document:state'](request);
      if (!rendererReady) {
        rendererReady = true;
        void editorReady();
      }
    },
  };

  /** The editor listens: offer back the work of a crashed session, then open waiting files. */
  async function editorReady(): Promise<void> {
    if (!recoveryOffered) {
      recoveryOffered = true;
      await offerRecovery({
        files,
        dialog: dialogs,
        log,
        restore: async (recovery) => {
          const text = await shellApi.expectRecovered(recovery.path, recovery.text);
          send('document-recovered', recoveredDocument({ ...recovery, text }));
        },
      });
    }
    for (const path of pendingPaths.splice(0)) void openPath(path);
  }

  registerChannels(ipcMain, handlers, { isTrustedSender: isAppFrame });
  await refreshMenu();

  const startFile = fileArgument(process.argv);
  if (startFile) pendingPaths.push(startFile);

  await createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    // Runs are stopped (their models kept) before the app goes.
    event.preventDefault();
    quitting = true;
    shellApi.dispose();
    void runs.stopAll().finally(() => app.quit());
  });

  async function createWindow(): Promise<void> {
    const state = fitToDisplays(await windowState.load(), [
      screen.getPrimaryDisplay(),
      ...screen.getAllDisplays(),
    ]);
    const window = new BrowserWindow(
      mainWindowOptions({
        state,
        preload: join(here, 'preload.cjs'),
        dark: nativeTheme.shouldUseDarkColors,
        icon: join(appRoot, 'assets', 'icon.png'),
      }),
    );
    win = window;
    rendererReady = false;
    if (state.maximized) window.maximize();
    window.once('ready-to-show', () => window.show());

    const onTheme = () =>
      window.setBackgroundColor(themeBackground(nativeTheme.shouldUseDarkColors));
    nativeTheme.on('updated', onTheme);

    let mayClose = false;
    window.on('close', (event) => {
      void windowState.save(captureWindowState(window)).catch(() => undefined);
      if (mayClose) return;
      event.preventDefault();
      void shellApi.confirmClose().then((ok) => {
        if (!ok) return;
        mayClose = true;
        window.close();
      });
    });
    window.on('closed', () => {
      nativeTheme.off('updated', onTheme);
      if (win === window) win = null;
    });
    await window.loadURL(APP_INDEX_URL);
  }
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
