import { Dialog } from './Dialog.tsx';
import { COMMAND_IDS, COMMANDS, RUN_COMMAND_IDS, RUN_COMMANDS, shortcutText } from './shortcuts.ts';

/** The shortcut table, as the keyboard handler reads it. */
export function ShortcutsDialog() {
  return (
    <Dialog title="Keyboard shortcuts" testId="shortcuts-dialog">
      <table className="studio-table">
        <tbody>
          {COMMAND_IDS.map((id) => (
            <tr key={id}>
              <td>{COMMANDS[id].label}</td>
              <td>
                <kbd>{shortcutText(id)}</kbd>
              </td>
            </tr>
          ))}
          {RUN_COMMAND_IDS.map((id) => (
            <tr key={id}>
              <td>{RUN_COMMANDS[id].label}</td>
              <td>
                <kbd>{shortcutText(id)}</kbd>
              </td>
            </tr>
          ))}
          <tr>
            <td>Go from node to node</td>
            <td>
              <kbd>Tab</kbd>, <kbd>Shift</kbd>+<kbd>Tab</kbd>
            </td>
          </tr>
          <tr>
            <td>Select the focused node; add it to the selection</td>
            <td>
              <kbd>Enter</kbd>; <kbd>Shift</kbd>+<kbd>Enter</kbd>
            </td>
          </tr>
          <tr>
            <td>Select several nodes</td>
            <td>
              <kbd>Shift</kbd>/<kbd>Ctrl</kbd>+click, <kbd>Shift</kbd>+drag a box
            </td>
          </tr>
          <tr>
            <td>Move selected nodes</td>
            <td>drag, or arrow keys</td>
          </tr>
          <tr>
            <td>Clear the selection</td>
            <td>
              <kbd>Escape</kbd>
            </td>
          </tr>
        </tbody>
      </table>
      <p className="studio-muted">Shortcuts do nothing while you type in a field.</p>
    </Dialog>
  );
}
