import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { MenuCommand } from '../core/contract/desktop.ts';
import { buildMenuTemplate, type MenuOptions } from './menu.ts';

type Item = MenuItemConstructorOptions;

function build(overrides: Partial<MenuOptions> = {}) {
  const sent: MenuCommand[] = [];
  const opened: number[] = [];
  const template = buildMenuTemplate({
    isMac: false,
    isDev: false,
    recent: [],
    send: (command) => sent.push(command),
    openRecent: (index) => opened.push(index),
    ...overrides,
  });
  return { template, sent, opened };
}

const flatten = (items: readonly Item[]): Item[] =>
  items.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? flatten(item.submenu as Item[]) : []),
  ]);

const find = (items: readonly Item[], label: string) => {
  const item = flatten(items).find((i) => i.label === label);
  if (!item) throw new Error(`No menu item '${label}'`);
  return item;
};

const click = (item: Item) => (item.click as (() => void) | undefined)?.call(undefined);

describe('buildMenuTemplate', () => {
  it.each([
    ['New', 'new', 'CmdOrCtrl+N'],
    ['Open…', 'open', 'CmdOrCtrl+O'],
    ['Save', 'save', 'CmdOrCtrl+S'],
    ['Save As…', 'saveAs', 'Shift+CmdOrCtrl+S'],
    ['Export model…', 'exportModel', 'CmdOrCtrl+E'],
    ['Undo', 'undo', 'CmdOrCtrl+Z'],
    ['Redo', 'redo', 'CmdOrCtrl+Y'],
    ['Cut', 'cut', 'CmdOrCtrl+X'],
    ['Select All', 'selectAll', 'CmdOrCtrl+A'],
    ['Run training', 'runTraining', 'CmdOrCtrl+Enter'],
    ['Stop', 'stopTraining', 'CmdOrCtrl+.'],
  ] as const)('%s sends %s with %s', (label, command, accelerator) => {
    const { template, sent } = build();
    const item = find(template, label);
    expect(item.accelerator).toBe(accelerator);
    expect(item.role).toBeUndefined();
    click(item);
    expect(sent).toEqual([command]);
  });

  it('keeps the standard roles for copy, paste, zoom, quit and the window menu', () => {
    const roles = flatten(build().template)
      .map((i) => i.role)
      .filter(Boolean);
    expect(roles).toEqual(
      expect.arrayContaining([
        'copy',
        'paste',
        'resetZoom',
        'zoomIn',
        'zoomOut',
        'togglefullscreen',
        'quit',
        'windowMenu',
      ]),
    );
    expect(roles).not.toContain('undo');
    expect(roles).not.toContain('redo');
  });

  it('has developer tools in development only', () => {
    const roles = (options: Partial<MenuOptions>) =>
      flatten(build(options).template).map((i) => i.role);
    expect(roles({ isDev: false })).not.toContain('toggleDevTools');
    expect(roles({ isDev: false })).not.toContain('reload');
    expect(roles({ isDev: true })).toContain('toggleDevTools');
  });

  it('follows macOS conventions on a Mac', () => {
    const { template } = build({ isMac: true });
    expect(template[0]?.role).toBe('appMenu');
    expect(find(template, 'Redo').accelerator).toBe('Shift+CmdOrCtrl+Z');
    const roles = flatten(template).map((i) => i.role);
    expect(roles).toContain('close');
    expect(roles).not.toContain('quit');
  });

  it('lists recent files and opens them by index', () => {
    const { template, opened } = build({
      recent: [
        { path: '/home/u/a.graph.json', name: 'a.graph.json' },
        { path: '/home/u/b.graph.json', name: 'b.graph.json' },
      ],
    });
    const submenu = find(template, 'Open Recent').submenu as Item[];
    expect(submenu.map((i) => i.label)).toEqual(['a.graph.json', 'b.graph.json']);
    click(submenu[1] as Item);
    expect(opened).toEqual([1]);
  });

  it('says so when there are no recent files', () => {
    const submenu = find(build().template, 'Open Recent').submenu as Item[];
    expect(submenu).toEqual([{ label: 'No recent files', enabled: false }]);
  });
});
