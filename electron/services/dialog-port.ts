import type {
  BaseWindow,
  Dialog,
  MessageBoxOptions,
  OpenDialogOptions,
  SaveDialogOptions,
} from 'electron';

/** The dialogs the desktop handlers show, already bound to the app's window. */
export interface DialogPort {
  showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>;
  showMessageBox(options: MessageBoxOptions): Promise<{ response: number }>;
}

/** Binds Electron's dialog module to the window so each dialog is modal to it (when it exists). */
export function dialogPortFor(dialog: Dialog, getWindow: () => BaseWindow | null): DialogPort {
  return {
    showOpenDialog(options) {
      const window = getWindow();
      return window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options);
    },
    showSaveDialog(options) {
      const window = getWindow();
      return window ? dialog.showSaveDialog(window, options) : dialog.showSaveDialog(options);
    },
    showMessageBox(options) {
      const window = getWindow();
      return window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options);
    },
  };
}
