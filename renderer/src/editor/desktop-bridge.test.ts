import { describe, expect, it, vi } from 'vitest';
import { emptyDocument } from '../graph/empty-document.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { reportDocumentState, type ReportTimers } from './desktop-bridge.ts';
import { setUntitled } from './desktop-files.ts';

function manualTimers() {
  const queue = new Map<number, () => void>();
  let next = 0;
  const timers: ReportTimers = {
    setTimeout: (callback) => {
      queue.set(++next, callback);
      return next;
    },
    clearTimeout: (handle) => queue.delete(handle as number),
  };
  const flush = () => {
    for (const [id, callback] of [...queue]) {
      queue.delete(id);
      callback();
    }
  };
  return { timers, queue, flush };
}

describe('reportDocumentState', () => {
  it('reports at once, then once per burst of edits, and stops when asked', () => {
    useGraphStore.getState().setDocumentFromFile('model', emptyDocument());
    setUntitled(false);
    const sent: unknown[] = [];
    const api = { 'document:state': vi.fn(async (state: unknown) => void sent.push(state)) };
    const { timers, queue, flush } = manualTimers();
    const stop = reportDocumentState(api, useGraphStore, timers);
    expect(sent).toEqual([
      expect.objectContaining({ name: 'model.graph.json', dirty: false, untitled: false }),
    ]);

    useGraphStore.getState().execute('Rename', (d) => ({ ...d, name: 'a' }));
    useGraphStore.getState().execute('Rename', (d) => ({ ...d, name: 'ab' }));
    expect(queue.size).toBe(1);
    flush();
    expect(sent).toHaveLength(2);
    const last = sent[1] as { dirty: boolean; text: string };
    expect(last.dirty).toBe(true);
    expect(JSON.parse(last.text).name).toBe('ab');

    stop();
    useGraphStore.getState().execute('Rename', (d) => ({ ...d, name: 'abc' }));
    expect(queue.size).toBe(0);
    expect(sent).toHaveLength(2);
  });
});
