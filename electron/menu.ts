import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, RecentFile } from '../core/contract/desktop.ts';

export interface MenuOptions {
  readonly isMac: boolean;
  /** Development only: reload and the developer tools. */
  readonly isDev: boolean;
  readonly recent: readonly RecentFile[];
  /** Sends a command to the editor ('menu-command'). */
  readonly send: (command: MenuCommand) => void;
  /** Opens the n-th recent file (the main process reads it and sends 'file-opened'). */
  readonly openRecent: (index: number) => void;
  readonly clearRecent?: () => void;
  readonly appName?: string;
}

/**
 * The application menu. Undo, Redo, Cut and Select all go to the editor as commands: its undo
 * history is the graph's, not the page's, and the editor hands them to a text field when one has
 * the focus. Copy and Paste keep their roles, whose clipboard events the editor already handles
 * (the only way a page reads and writes the system clipboard without asking).
 */
export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const { isMac, isDev, recent, send } = options;
  const command = (
    label: string,
    id: MenuCommand,
    accelerator?: string,
  ): MenuItemConstructorOptions => ({
    id,
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => send(id),
  });
  const separator: MenuItemConstructorOptions = { type: 'separator' };

  const recentItems: MenuItemConstructorOptions[] =
    recent.length === 0
      ? [{ label: 'No recent files', enabled: false }]
      : [
          ...recent.map((file, index) => ({
            label: file.name,
            toolTip: file.path,
            click: () => options.openRecent(index),
          })),
          ...(options.clearRecent
            ? [separator, { label: 'Clear recent', click: options.clearRecent }]
            : []),
        ];

  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      command('New', 'new', 'CmdOrCtrl+N'),
      command('Open…', 'open', 'CmdOrCtrl+O'),
      { id: 'openRecent', label: 'Open Recent', submenu: recentItems },
      separator,
      command('Save', 'save', 'CmdOrCtrl+S'),
      command('Save As…', 'saveAs', 'Shift+CmdOrCtrl+S'),
      separator,
      command('Export model…', 'exportModel', 'CmdOrCtrl+E'),
      separator,
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [
      command('Undo', 'undo', 'CmdOrCtrl+Z'),
      command('Redo', 'redo', isMac ? 'Shift+CmdOrCtrl+Z' : 'CmdOrCtrl+Y'),
      separator,
      command('Cut', 'cut', 'CmdOrCtrl+X'),
      { role: 'copy', accelerator: 'CmdOrCtrl+C' },
      { role: 'paste', accelerator: 'CmdOrCtrl+V' },
      command('Select All', 'selectAll', 'CmdOrCtrl+A'),
    ],
  };

  const run: MenuItemConstructorOptions = {
    label: 'Run',
    submenu: [
      command('Run training', 'runTraining', 'CmdOrCtrl+Enter'),
      command('Stop', 'stopTraining', 'CmdOrCtrl+.'),
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
      ...(isDev
        ? [separator, { role: 'reload' } as const, { role: 'toggleDevTools' } as const]
        : []),
    ],
  };

  return [
    ...(isMac ? [{ label: options.appName ?? 'Multitask Studio', role: 'appMenu' } as const] : []),
    file,
    edit,
    run,
    view,
    { role: 'windowMenu' },
  ];
}
