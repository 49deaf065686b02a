/**
 * Every editor command that has a key, in one table: the keydown handler, the toolbar
 * tooltips and the shortcuts dialog all read it, so a key shown is a key that works.
 */

export type CommandId =
  | 'new'
  | 'open'
  | 'save'
  | 'saveAs'
  | 'undo'
  | 'redo'
  | 'copy'
  | 'paste'
  | 'duplicate'
  | 'delete'
  | 'freeze'
  | 'unfreeze'
  | 'selectAll'
  | 'link'
  | 'layout'
  | 'fitView'
  | 'summary'
  | 'shortcuts';

export interface KeyBinding {
  /** `KeyboardEvent.key`, lower case for letters. */
  readonly key: string;
  /** Ctrl, or Cmd on a Mac. */
  readonly mod?: boolean;
  readonly shift?: boolean;
}

export interface CommandInfo {
  readonly label: string;
  readonly keys: readonly KeyBinding[];
}

export const COMMANDS: Readonly<Record<CommandId, CommandInfo>> = {
  new: { label: 'New graph', keys: [{ key: 'n', mod: true }] },
  open: { label: 'Open a graph file', keys: [{ key: 'o', mod: true }] },
  save: { label: 'Save', keys: [{ key: 's', mod: true }] },
  saveAs: { label: 'Save as', keys: [{ key: 's', mod: true, shift: true }] },
  undo: { label: 'Undo', keys: [{ key: 'z', mod: true }] },
  redo: {
    label: 'Redo',
    keys: [
      { key: 'z', mod: true, shift: true },
      { key: 'y', mod: true },
    ],
  },
  copy: { label: 'Copy', keys: [{ key: 'c', mod: true }] },
  paste: { label: 'Paste', keys: [{ key: 'v', mod: true }] },
  duplicate: { label: 'Duplicate', keys: [{ key: 'd', mod: true }] },
  delete: { label: 'Delete', keys: [{ key: 'Delete' }, { key: 'Backspace' }] },
  freeze: {
    label: 'Freeze the selected nodes: their weights stop training',
    keys: [{ key: 'f', shift: true }],
  },
  unfreeze: { label: 'Unfreeze the selected nodes', keys: [{ key: 'u', shift: true }] },
  selectAll: { label: 'Select all', keys: [{ key: 'a', mod: true }] },
  link: { label: 'Link the selected nodes, in the order they were selected', keys: [{ key: 'k' }] },
  layout: { label: 'Auto-layout', keys: [{ key: 'l' }] },
  fitView: { label: 'Fit view', keys: [{ key: 'f' }] },
  summary: { label: 'Model summary', keys: [{ key: 'm' }] },
  shortcuts: { label: 'Keyboard shortcuts', keys: [{ key: '?' }] },
};

export const COMMAND_IDS = Object.keys(COMMANDS) as CommandId[];

/** Training's keys: the desktop app's menu carries the same ones (electron/menu.ts). */
export type RunCommandId = 'runTraining' | 'stopTraining';

export const RUN_COMMANDS: Readonly<Record<RunCommandId, CommandInfo>> = {
  runTraining: { label: 'Start training', keys: [{ key: 'Enter', mod: true }] },
  stopTraining: { label: 'Stop training after the current batch', keys: [{ key: '.', mod: true }] },
};

export const RUN_COMMAND_IDS = Object.keys(RUN_COMMANDS) as RunCommandId[];

const isMac = (): boolean =>
  typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

const keyName = (key: string) => (key.length === 1 ? key.toUpperCase() : key);

/** "Ctrl+Shift+S" (⌘⇧S on a Mac). */
export function bindingText(binding: KeyBinding, mac = isMac()): string {
  if (mac) {
    return `${binding.mod ? '⌘' : ''}${binding.shift ? '⇧' : ''}${keyName(binding.key)}`;
  }
  return [binding.mod && 'Ctrl', binding.shift && 'Shift', keyName(binding.key)]
    .filter(Boolean)
    .join('+');
}

const infoOf = (id: CommandId | RunCommandId): CommandInfo =>
  id in COMMANDS ? COMMANDS[id as CommandId] : RUN_COMMANDS[id as RunCommandId];

/** Every key of a command, e.g. "Ctrl+Shift+Z or Ctrl+Y". */
export const shortcutText = (id: CommandId | RunCommandId, mac = isMac()): string =>
  infoOf(id)
    .keys.map((k) => bindingText(k, mac))
    .join(' or ');

/** A button's tooltip: "Undo Add Dense (Ctrl+Z)". */
export const tooltip = (id: CommandId, label: string = COMMANDS[id].label): string =>
  `${label} (${shortcutText(id)})`;

interface KeyEventLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

function matchKey<Id extends string>(
  e: KeyEventLike,
  ids: readonly Id[],
  table: Readonly<Record<Id, CommandInfo>>,
): Id | undefined {
  if (e.altKey) return undefined;
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  // Shift is part of a letter shortcut, but only produces symbols like '?' otherwise.
  const letter = /^[a-z]$/.test(key);
  return ids.find((id) =>
    table[id].keys.some(
      (b) => b.key === key && !!b.mod === mod && (!letter || !!b.shift === e.shiftKey),
    ),
  );
}

/** The command a key press means, if any. */
export const commandForKey = (e: KeyEventLike): CommandId | undefined =>
  matchKey(e, COMMAND_IDS, COMMANDS);

/** The training command a key press means, if any (Shift+Enter stays the canvas' own). */
export const runCommandForKey = (e: KeyEventLike): RunCommandId | undefined =>
  e.shiftKey ? undefined : matchKey(e, RUN_COMMAND_IDS, RUN_COMMANDS);

/** Keys typed into a field belong to the field. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  const el = target as HTMLElement;
  return (
    el.isContentEditable || el.closest('input, textarea, select, [contenteditable="true"]') !== null
  );
}
