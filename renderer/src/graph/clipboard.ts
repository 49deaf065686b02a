import type { GraphDocument } from '../../../core/graph/schema.ts';
import { copySelection, parseClipboardText, type ClipboardContent } from './paste.ts';

/**
 * Copy and paste between graphs: an in-app clipboard that always works, mirrored to the
 * system clipboard as JSON text where the platform lets us, so a copy in one window pastes in
 * another. Each paste of the same content lands a little further down and right.
 */

interface Held {
  readonly content: ClipboardContent;
  readonly text: string;
  pastes: number;
}

let held: Held | undefined;

/** Puts the selected nodes on the in-app clipboard; returns its JSON text, or undefined. */
export function copyToClipboard(
  doc: GraphDocument,
  nodeIds: readonly string[],
): string | undefined {
  const content = copySelection(doc, nodeIds);
  if (!content) return undefined;
  const text = JSON.stringify(content);
  held = { content, text, pastes: 0 };
  return text;
}

/** Also writes the text to the system clipboard; failures (no permission) are fine. */
export function writeSystemClipboard(text: string): void {
  const clipboard = globalThis.navigator?.clipboard;
  if (!clipboard?.writeText) return;
  clipboard.writeText(text).catch(() => undefined);
}

/** What to paste, given the system clipboard's text when there is some. */
export function clipboardForPaste(
  systemText?: string,
): { content: ClipboardContent; offset: { x: number; y: number } } | undefined {
  if (systemText !== undefined && systemText !== held?.text) {
    const content = parseClipboardText(systemText);
    if (content) held = { content, text: systemText, pastes: 0 };
  }
  if (!held) return undefined;
  held.pastes += 1;
  const step = 40 * held.pastes;
  return { content: held.content, offset: { x: step, y: step } };
}

/** For tests. */
export const clearClipboard = (): void => {
  held = undefined;
};
