import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import { addedNodeIds, copySelection, duplicate, parseClipboardText, paste } from './paste.ts';
import { clearClipboard, clipboardForPaste, copyToClipboard } from './clipboard.ts';
import { twoHeads } from './test-graphs.ts';

describe('copy and paste', () => {
  it('copies the selected nodes with the links among them only', () => {
    const clip = copySelection(twoHeads(), ['flat', 'cls']);
    expect(clip?.nodes.map((n) => n.id)).toEqual(['flat', 'cls']);
    expect(clip?.edges.map((e) => e.id)).toEqual(['flat-cls']);
    expect(copySelection(twoHeads(), [])).toBeUndefined();
  });

  it('pastes with new ids, internal links kept, unique task names and an offset', () => {
    const doc = twoHeads();
    const clip = copySelection(doc, ['conv', 'flat', 'cls']);
    if (!clip) throw new Error('nothing copied');
    const pasted = paste(doc, clip, { x: 40, y: 40 });
    const added = addedNodeIds(doc, pasted);
    expect(added).toEqual(['conv_2', 'flat_2', 'cls_2']);
    expect(pasted.edges.slice(doc.edges.length)).toEqual([
      { id: 'conv_2-flat_2', source: 'conv_2', target: 'flat_2', targetPort: 'in' },
      { id: 'flat_2-cls_2', source: 'flat_2', target: 'cls_2', targetPort: 'in' },
    ]);
    const copyOfHead = pasted.nodes.find((n) => n.id === 'cls_2');
    expect(copyOfHead?.params.task).toBe('class_2');
    expect(copyOfHead?.position).toEqual({ x: 600 + 40, y: 40 });
    const codes = analyzeGraph(pasted).problems.map((p) => p.code);
    expect(codes).not.toContain('E_DUPLICATE_TASK');
  });

  it('keeps the original ids when pasting into a graph that does not have them', () => {
    const clip = copySelection(twoHeads(), ['conv', 'flat']);
    if (!clip) throw new Error('nothing copied');
    const into = paste({ ...twoHeads(), nodes: [], edges: [] }, clip, { x: 0, y: 0 });
    expect(into.nodes.map((n) => n.id)).toEqual(['conv', 'flat']);
    expect(into.edges.map((e) => e.id)).toEqual(['conv-flat']);
  });

  it('duplicates twice without clashing ids', () => {
    const once = duplicate(twoHeads(), ['conv']);
    const twice = duplicate(once, ['conv']);
    expect(addedNodeIds(once, twice)).toEqual(['conv_3']);
  });

  it('reads its own clipboard text and refuses anything else', () => {
    const clip = copySelection(twoHeads(), ['conv']);
    expect(parseClipboardText(JSON.stringify(clip))).toEqual(clip);
    expect(parseClipboardText('hello')).toBeUndefined();
    expect(
      parseClipboardText('{"format":"multitask-studio/clipboard","nodes":[],"edges":[]}'),
    ).toBe(undefined);
  });

  it('moves each paste of the same content further, and takes newer system text', () => {
    clearClipboard();
    expect(clipboardForPaste()).toBeUndefined();
    const text = copyToClipboard(twoHeads(), ['conv']);
    expect(clipboardForPaste(text)?.offset).toEqual({ x: 40, y: 40 });
    expect(clipboardForPaste()?.offset).toEqual({ x: 80, y: 80 });
    const other = JSON.stringify(copySelection(twoHeads(), ['flat']));
    const fromSystem = clipboardForPaste(other);
    expect(fromSystem?.content.nodes.map((n) => n.id)).toEqual(['flat']);
    expect(fromSystem?.offset).toEqual({ x: 40, y: 40 });
    expect(clipboardForPaste('not ours')?.content.nodes.map((n) => n.id)).toEqual(['flat']);
  });
});
