import { useMemo } from 'react';
import { useReactFlow, type ReactFlowInstance } from '@xyflow/react';
import { loadGraphDocument } from '../../../core/graph/load.ts';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import { kindSpec, type NodeKind } from '../../../core/nodes/registry.ts';
import { clipboardForPaste, copyToClipboard, writeSystemClipboard } from '../graph/clipboard.ts';
import { addNode, removeElements, type Position } from '../graph/commands.ts';
import { emptyDocument } from '../graph/empty-document.ts';
import {
  downloadGraph,
  graphFileName,
  loadGraphText,
  readGraphFile,
  safeFileName,
  type OpenResult,
} from '../graph/files.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { autoLayout, bestLayout, NODE_WIDTH, type Size } from '../graph/layout.ts';
import { addedNodeIds, duplicate, paste } from '../graph/paste.ts';
import { freezeBefore, setTrainable } from '../graph/freeze.ts';
import type { OpenedFile, RecoveredDocument } from '../../../core/contract/desktop.ts';
import { desktopApi } from '../host/desktop-host.ts';
import { openWithDialog, saveWithDialog, setRecovered, setUntitled } from './desktop-files.ts';
import { shortcutText, type CommandId } from './shortcuts.ts';
import { showNotice, useUiStore } from './ui-store.ts';
import { addAfterSelected, linkSelected } from './add-actions.ts';
import { canvasSize, fitReadable, motion } from './viewport.ts';
import { useRunStore } from '../runs/run-store.ts';

/**
 * What the toolbar, the keyboard and the panels do, in one place: each action runs named
 * commands through the graph store, so every path gives the same result and undo step.
 */

export const EMPTY_TEMPLATE = 'empty';
/** The template the studio opens with. */
export const REFERENCE_TEMPLATE = 'keras-reference';

const graph = () => useGraphStore.getState();

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Asks before unsaved work is thrown away; true when there is none or the user agrees. */
export function confirmDiscard(): boolean {
  const { file } = graph();
  if (!file.dirty) return true;
  return window.confirm(`${graphFileName(file.name)} has unsaved changes. Discard them?`);
}

/** A file with no positions (every node at one spot) is laid out rather than piled up. */
function placed(doc: GraphDocument): GraphDocument {
  const [first, ...rest] = doc.nodes;
  const piled =
    first !== undefined &&
    rest.length > 0 &&
    rest.every((n) => n.position.x === first.position.x && n.position.y === first.position.y);
  return piled ? autoLayout(doc) : doc;
}

/** Opens a document as the current one, after asking about unsaved work (unless asked already). */
export function openDocument(name: string, doc: GraphDocument, askFirst = true): boolean {
  if (askFirst && !confirmDiscard()) return false;
  graph().setDocumentFromFile(name, placed(doc));
  useUiStore.getState().clearNotice();
  useRunStore.getState().showNoRun();
  return true;
}

/** Opens a loaded file, or shows why it did not load and leaves the current graph as it is. */
function openResult(result: OpenResult, askFirst = true): boolean {
  if (!result.ok) {
    showNotice(result.message);
    return false;
  }
  const opened = openDocument(result.name, result.document, askFirst);
  if (opened && result.report) showNotice(result.report);
  return opened;
}

/**
 * Reads a chosen or dropped file; a broken one leaves the current graph as it is. In the desktop
 * app the main process never learns a dropped file's path, so Save asks where (rather than
 * overwrite the file the previous document came from).
 */
export async function openFile(file: File): Promise<void> {
  if (openResult(await readGraphFile(file))) setUntitled(true);
}

const sentence = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A file the desktop app read (its dialog, the recent list, the command line, a second
 * instance): loaded the same way as a picked file. When it does not become the document, the
 * main process still holds its path, so the next Save must ask where.
 */
export function openDesktopFile(file: OpenedFile, askFirst = true): boolean {
  const result = loadGraphText(file.name, file.text);
  const opened = openResult(result, askFirst);
  setUntitled(!opened || (result.ok && result.imported === true));
  return opened;
}

/**
 * Work the desktop app restored after a crash: opened with its unsaved changes (after asking
 * about the current graph's, if it has any); the main process links it to its file again once
 * the editor reports it, so Save writes there, or asks where for work that never had a file.
 */
export function openRecoveredDocument(recovered: RecoveredDocument): boolean {
  const result = loadGraphText(recovered.name, recovered.text);
  if (!result.ok) {
    showNotice(result.message);
    return false;
  }
  if (!confirmDiscard()) return false;
  setRecovered(recovered.untitled);
  graph().setDocumentFromFile(result.name, placed(result.document), { unsaved: true });
  useUiStore.getState().clearNotice();
  useRunStore.getState().showNoRun();
  return true;
}

/** Asks about unsaved work before the main process reads a file (and adopts its path). */
async function openFromDesktop(read: () => Promise<OpenedFile | null>): Promise<void> {
  if (!confirmDiscard()) return;
  let file: OpenedFile | null;
  try {
    file = await read();
  } catch (e) {
    showNotice(sentence(e));
    return;
  }
  if (file) openDesktopFile(file, false);
}

/** Save and Save As in the desktop app: a real file, through the main process's dialog. */
async function saveToDesktop(saveAs: boolean): Promise<void> {
  const api = desktopApi();
  if (!api) return;
  const { file, document: doc } = graph();
  try {
    const name = await saveWithDialog(api, file.name, doc, saveAs);
    // Edits made while the dialog was open are not in the file: the document stays dirty.
    if (name !== null && graph().document === doc) graph().markSaved(name);
  } catch (e) {
    showNotice(sentence(e));
  }
}

/** New, templates and the graph of an earlier run: the document has no file yet, so Save asks where. */
export function openUntitled(name: string, doc: GraphDocument): boolean {
  const opened = openDocument(name, doc);
  if (opened) setUntitled(true);
  return opened;
}

/**
 * The graph a run trained, as unsaved work named after the run (`faster rate.graph.json`): it is
 * in no file yet, so it is marked unsaved and Save asks where.
 */
export function openRunGraph(runName: string, doc: GraphDocument): boolean {
  if (!confirmDiscard()) return false;
  graph().setDocumentFromFile(safeFileName(runName), placed(doc), { unsaved: true });
  useUiStore.getState().clearNotice();
  useRunStore.getState().showNoRun();
  setUntitled(true);
  return true;
}

/** Opens a template by id (`empty` for an empty canvas). */
export function openTemplate(id: string): boolean {
  if (id === EMPTY_TEMPLATE) return openUntitled('untitled', emptyDocument());
  const example = useUiStore.getState().examples.find((e) => e.id === id);
  if (!example) return false;
  const loaded = loadGraphDocument(example.document);
  if (!loaded.ok) {
    showNotice(loaded.error.message);
    return false;
  }
  // Example files were drawn for no particular node size; laid out for ours, every link's shape
  // label has room between the nodes, across or downwards as the canvas shows it larger.
  return openUntitled(example.id, bestLayout(loaded.document, canvasSize()).document);
}

export interface EditorActions extends Readonly<Record<CommandId, () => void>> {
  /** Copies the selected nodes to the in-app clipboard; their JSON text, or undefined. */
  copyText(): string | undefined;
  /** Paste, preferring the system clipboard's text when it holds copied nodes. */
  pasteText(systemText?: string): void;
  /** Adds a node of `kind` with its top-left corner at `position` (flow coordinates). */
  addNodeAt(kind: NodeKind, position: Position): void;
  /** Adds a node in the middle of what the canvas shows. */
  addNodeAtCentre(kind: NodeKind): void;
  /**
   * What a palette click does: after the one selected node, linked from it (see `addAfter`);
   * in the middle of the canvas when not exactly one node is selected.
   */
  addNode(kind: NodeKind): void;

  /** Freezes every node with weights that feeds this one. */
  freezeBefore(nodeId: string): void;
  /** Selects nodes and brings the first into view. */
  focusNodes(nodeIds: readonly string[]): void;
  deleteSelection(): void;
}

function measuredSizes(rf: ReactFlowInstance): Map<string, Size> {
  const sizes = new Map<string, Size>();
  for (const node of rf.getNodes()) {
    const { width, height } = node.measured ?? {};
    if (width && height) sizes.set(node.id, { width, height });
  }
  return sizes;
}

export function createEditorActions(rf: ReactFlowInstance): EditorActions {
  const selectAdded = (before: GraphDocument) =>
    graph().select({ nodeIds: addedNodeIds(before, graph().document), edgeIds: [] });

  const pasteText = (systemText?: string) => {
    const clip = clipboardForPaste(systemText);
    if (!clip) return;
    const before = graph().document;
    const label = `Paste ${plural(clip.content.nodes.length, 'node')}`;
    if (graph().execute(label, (d) => paste(d, clip.content, clip.offset))) selectAdded(before);
  };

  const copyText = () => {
    const { document: doc, selection } = graph();
    return copyToClipboard(doc, selection.nodeIds);
  };

  const deleteSelection = () => {
    const { nodeIds, edgeIds } = graph().selection;
    if (nodeIds.length === 0 && edgeIds.length === 0) return;
    const label =
      nodeIds.length > 0
        ? `Delete ${plural(nodeIds.length, 'node')}`
        : `Delete ${plural(edgeIds.length, 'link')}`;
    const all = nodeIds.length > 1 && nodeIds.length === graph().document.nodes.length;
    if (graph().execute(label, (d) => removeElements(d, nodeIds, edgeIds)) && all) {
      // Select all then Delete empties the canvas in two keys: say how to get it back.
      showNotice(
        `Deleted all ${nodeIds.length} nodes; ${shortcutText('undo')} brings them back.`,
        'hint',
      );
    }
  };

  const setSelectionTrainable = (trainable: boolean) => {
    const { nodeIds } = graph().selection;
    if (nodeIds.length === 0) return;
    const verb = trainable ? 'Unfreeze' : 'Freeze';
    graph().execute(`${verb} ${plural(nodeIds.length, 'node')}`, (d) =>
      setTrainable(d, nodeIds, trainable),
    );
  };

  const addNodeAt = (kind: NodeKind, position: Position) => {
    const before = graph().document;
    const at = { x: Math.round(position.x), y: Math.round(position.y) };
    if (graph().execute(`Add ${kindSpec(kind).title}`, (d) => addNode(d, kind, at))) {
      selectAdded(before);
    }
  };

  const addNodeAtCentre = (kind: NodeKind) => {
    const pane = document.querySelector('.react-flow')?.getBoundingClientRect();
    const centre = pane
      ? rf.screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 })
      : { x: 0, y: 0 };
    // Clicking the same kind again should not stack nodes exactly on top of each other.
    const taken = new Set(graph().document.nodes.map((n) => `${n.position.x},${n.position.y}`));
    let at = { x: Math.round(centre.x - NODE_WIDTH / 2), y: Math.round(centre.y - 40) };
    while (taken.has(`${at.x},${at.y}`)) at = { x: at.x + 30, y: at.y + 30 };
    addNodeAt(kind, at);
  };

  return {
    new: () => {
      openUntitled('untitled', emptyDocument());
    },
    open: () => {
      const api = desktopApi();
      if (api) {
        void openFromDesktop(() => openWithDialog(api));
        return;
      }
      document.querySelector<HTMLInputElement>('[data-testid="file-input"]')?.click();
    },
    save: () => {
      if (desktopApi()) {
        void saveToDesktop(false);
        return;
      }
      const { file, document: doc } = graph();
      downloadGraph(file.name, doc);
      graph().markSaved();
    },
    saveAs: () => {
      if (desktopApi()) {
        void saveToDesktop(true);
        return;
      }
      useUiStore.getState().openDialog('saveAs');
    },
    undo: () => graph().undo(),
    redo: () => graph().redo(),
    copy: () => {
      const text = copyText();
      if (text) writeSystemClipboard(text);
    },
    copyText,
    paste: () => pasteText(),
    pasteText,
    duplicate: () => {
      const { nodeIds } = graph().selection;
      if (nodeIds.length === 0) return;
      const before = graph().document;
      if (
        graph().execute(`Duplicate ${plural(nodeIds.length, 'node')}`, (d) => duplicate(d, nodeIds))
      ) {
        selectAdded(before);
      }
    },
    delete: deleteSelection,
    deleteSelection,
    freeze: () => setSelectionTrainable(false),
    unfreeze: () => setSelectionTrainable(true),
    freezeBefore: (nodeId) => {
      graph().execute(`Freeze the nodes before ${nodeId}`, (d) => freezeBefore(d, nodeId));
    },
    selectAll: () => {
      const { document: doc } = graph();
      graph().select({ nodeIds: doc.nodes.map((n) => n.id), edgeIds: doc.edges.map((e) => e.id) });
    },
    layout: () => {
      const sizes = measuredSizes(rf);
      const laid = (d: GraphDocument) => bestLayout(d, canvasSize(), sizes).document;
      if (graph().execute('Auto-layout', laid)) {
        void fitReadable(rf, graph().document, 200);
      }
    },
    fitView: () => {
      void fitReadable(rf, graph().document, 200);
    },
    summary: () => useUiStore.getState().openDialog('summary'),
    shortcuts: () => useUiStore.getState().openDialog('shortcuts'),
    addNodeAt,
    addNode: (kind) => {
      const { nodeIds } = graph().selection;
      const only = nodeIds.length === 1 ? nodeIds[0] : undefined;
      if (only !== undefined) addAfterSelected(rf, kind, only);
      else addNodeAtCentre(kind);
    },
    link: linkSelected,
    addNodeAtCentre: (kind) => addNodeAtCentre(kind),

    focusNodes: (nodeIds) => {
      graph().select({ nodeIds, edgeIds: [] });
      const first = nodeIds[0] ? rf.getInternalNode(nodeIds[0]) : undefined;
      if (!first) return;
      const { x, y } = first.internals.positionAbsolute;
      const width = first.measured.width ?? NODE_WIDTH;
      const height = first.measured.height ?? 80;
      void rf.setCenter(x + width / 2, y + height / 2, {
        zoom: Math.max(rf.getZoom(), 0.8),
        duration: motion(250),
      });
    },
  };
}

/** The editor's actions, bound to this canvas. */
export function useEditorActions(): EditorActions {
  const rf = useReactFlow();
  return useMemo(() => createEditorActions(rf), [rf]);
}
