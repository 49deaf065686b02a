import { beforeEach, describe, expect, it } from 'vitest';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GraphDocument } from '../../../core/graph/schema.ts';
import {
  addNode,
  moveNodes,
  removeElements,
  renameNode,
  setNodeLabel,
  updateGraphInfo,
  updateParams,
  updateTraining,
} from './commands.ts';
import { connect, reconnect } from './connect.ts';
import { graphStateCreator, HISTORY_LIMIT, type GraphState } from './graph-store.ts';
import { autoLayout } from './layout.ts';
import { copySelection, duplicate, paste } from './paste.ts';
import { twoHeads } from './test-graphs.ts';

let store: StoreApi<GraphState>;
const state = () => store.getState();

beforeEach(() => {
  store = createStore<GraphState>()(graphStateCreator);
  state().setDocumentFromFile('two-heads', twoHeads());
});

const mustOk = (result: { ok: true; document: GraphDocument } | { ok: false; reason: string }) => {
  if (!result.ok) throw new Error(result.reason);
  return result.document;
};

/** Every command, as the editor runs it. */
const edits: [string, (doc: GraphDocument) => GraphDocument][] = [
  ['Add node', (d) => addNode(d, 'Dense', { x: 1, y: 1 })],
  ['Delete', (d) => removeElements(d, ['flat'], [])],
  ['Connect', (d) => mustOk(connect(removeElements(d, [], ['conv-flat']), 'image', 'box'))],
  ['Reconnect', (d) => mustOk(reconnect(d, 'flat-box', { source: 'conv' }))],
  ['Edit params', (d) => updateParams(d, 'conv', { filters: 8 })],
  ['Rename', (d) => mustOk(renameNode(d, 'conv', 'stem'))],
  ['Label', (d) => setNodeLabel(d, 'conv', 'stem')],
  ['Move', (d) => moveNodes(d, new Map([['conv', { x: 9, y: 9 }]]))],
  ['Paste', (d) => paste(d, copySelection(d, ['conv', 'flat'])!, { x: 40, y: 40 })],
  ['Duplicate', (d) => duplicate(d, ['cls'])],
  ['Auto-layout', (d) => autoLayout(d)],
  ['Graph info', (d) => updateGraphInfo(d, { name: 'Renamed' })],
  ['Edit training settings', (d) => updateTraining(d, { epochs: 2 })],
];

describe('history', () => {
  it.each(edits)('undoes and redoes %s as one step', (label, edit) => {
    const before = state().document;
    expect(state().execute(label, edit)).toBe(true);
    const after = state().document;
    expect(after).not.toBe(before);
    expect(state().past).toHaveLength(1);
    expect(state().undoLabel).toBe(label);
    state().undo();
    expect(state().document).toBe(before);
    expect(state().canUndo).toBe(false);
    expect(state().redoLabel).toBe(label);
    state().redo();
    expect(state().document).toBe(after);
    expect(state().canRedo).toBe(false);
  });

  it('records nothing for an edit that changes nothing', () => {
    expect(state().execute('Edit params', (d) => updateParams(d, 'conv', { filters: 32 }))).toBe(
      false,
    );
    expect(state().canUndo).toBe(false);
  });

  it('pastes several linked nodes as one step', () => {
    const doc = state().document;
    const clip = copySelection(doc, ['conv', 'flat', 'cls', 'box']);
    if (!clip) throw new Error('nothing copied');
    state().execute('Paste', (d) => paste(d, clip, { x: 40, y: 40 }));
    expect(state().document.nodes).toHaveLength(9);
    expect(state().document.edges).toHaveLength(7);
    state().undo();
    expect(state().document).toBe(doc);
  });

  it('a new edit clears redo', () => {
    state().execute('Add node', (d) => addNode(d, 'Dense', { x: 0, y: 0 }));
    state().undo();
    state().execute('Add node', (d) => addNode(d, 'Flatten', { x: 0, y: 0 }));
    expect(state().canRedo).toBe(false);
  });

  it('keeps at most HISTORY_LIMIT steps', () => {
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
      state().execute('Move', (d) => moveNodes(d, new Map([['conv', { x: i, y: 0 }]])));
    }
    expect(state().past).toHaveLength(HISTORY_LIMIT);
  });

  it('a refused edit leaves document and history alone', () => {
    const doc = state().document;
    const result = state().attempt('Connect', (d) => connect(d, 'conv', 'conv'));
    expect(result.ok).toBe(false);
    expect(state().document).toBe(doc);
    expect(state().canUndo).toBe(false);
    expect(state().attempt('Connect', (d) => connect(d, 'image', 'box')).ok).toBe(true);
    expect(state().undoLabel).toBe('Connect');
  });

  it('merges consecutive edits with the same coalesce key into one step', () => {
    const doc = state().document;
    for (const filters of [1, 12, 128]) {
      state().execute('Edit conv', (d) => updateParams(d, 'conv', { filters }), {
        coalesce: 'conv.filters',
      });
    }
    expect(state().past).toHaveLength(1);
    state().breakCoalescing();
    state().execute('Edit conv', (d) => updateParams(d, 'conv', { filters: 3 }), {
      coalesce: 'conv.filters',
    });
    expect(state().past).toHaveLength(2);
    state().undo();
    state().undo();
    expect(state().document).toBe(doc);
  });
});

describe('dragging', () => {
  it('moves nodes without history while dragging and records one Move at the end', () => {
    const doc = state().document;
    const analysis = state().analysis;
    state().beginDrag();
    for (let i = 1; i <= 30; i++) state().dragNodes(new Map([['conv', { x: i, y: i }]]));
    expect(state().past).toHaveLength(0);
    expect(state().analysis).toBe(analysis);
    expect(state().file.dirty).toBe(true);
    state().endDrag();
    expect(state().past).toHaveLength(1);
    expect(state().undoLabel).toBe('Move');
    expect(state().document.nodes[1]?.position).toEqual({ x: 30, y: 30 });
    state().undo();
    expect(state().document).toBe(doc);
  });

  it('records nothing for a drag that ends where it began', () => {
    state().beginDrag();
    state().endDrag();
    expect(state().canUndo).toBe(false);
  });
});

describe('analysis', () => {
  it('follows the document and is reused when only positions change', () => {
    const first = state().analysis;
    expect(first.ok).toBe(true);
    state().execute('Move', (d) => moveNodes(d, new Map([['conv', { x: 3, y: 3 }]])));
    expect(state().analysis).toBe(first);
    state().execute('Delete', (d) => removeElements(d, ['flat']));
    expect(state().analysis).not.toBe(first);
    expect(state().analysis.ok).toBe(false);
  });
});

describe('selection', () => {
  it('is UI state: dropped ids vanish after an undo removes them', () => {
    state().execute('Add node', (d) => addNode(d, 'Dense', { x: 0, y: 0 }, 'fc'));
    state().select({ nodeIds: ['fc', 'conv'], edgeIds: ['image-conv'] });
    state().undo();
    expect(state().selection).toEqual({ nodeIds: ['conv'], edgeIds: ['image-conv'] });
    expect(JSON.stringify(state().document)).not.toContain('selected');
  });
});

describe('file state', () => {
  it('loading a file clears history and is not dirty', () => {
    state().execute('Add node', (d) => addNode(d, 'Dense', { x: 0, y: 0 }));
    expect(state().file).toEqual({ name: 'two-heads', dirty: true });
    const loads = state().loadCount;
    state().setDocumentFromFile('other', twoHeads());
    expect(state().file).toEqual({ name: 'other', dirty: false });
    expect(state().canUndo).toBe(false);
    expect(state().canRedo).toBe(false);
    expect(state().selection).toEqual({ nodeIds: [], edgeIds: [] });
    expect(state().loadCount).toBe(loads + 1);
  });

  it('is dirty after an edit, clean again after undoing it or saving', () => {
    state().execute('Add node', (d) => addNode(d, 'Dense', { x: 0, y: 0 }));
    expect(state().file.dirty).toBe(true);
    state().undo();
    expect(state().file.dirty).toBe(false);
    state().redo();
    expect(state().file.dirty).toBe(true);
    state().markSaved('renamed');
    expect(state().file).toEqual({ name: 'renamed', dirty: false });
    state().undo();
    expect(state().file.dirty).toBe(true);
  });

  it('keeps restored work dirty, through edits and their undo, until it is saved', () => {
    state().setDocumentFromFile('restored', twoHeads(), { unsaved: true });
    expect(state().file).toEqual({ name: 'restored', dirty: true });
    expect(state().canUndo).toBe(false);
    state().execute('Add node', (d) => addNode(d, 'Dense', { x: 0, y: 0 }));
    state().undo();
    expect(state().file.dirty).toBe(true);
    state().markSaved();
    expect(state().file).toEqual({ name: 'restored', dirty: false });
  });
});
