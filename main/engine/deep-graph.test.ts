import { describe, expect, it } from 'vitest';
import { MAX_GRAPH_DEPTH } from '../../core/graph/depth.ts';
import { chainGraph } from '../../core/graph/test-chain-graph.ts';
import { initBackend } from './backend.ts';
import { compileGraph } from './compile.ts';
import { tf } from './tf.ts';

/** Calls `f` with `frames` calls already on the stack, as a host's own callers would be. */
const under = <T>(frames: number, f: () => T): T => (frames === 0 ? f() : under(frames - 1, f));

describe('the deepest graph the analysis allows', () => {
  it('builds and runs, with the stack a host adds', async () => {
    await initBackend('wasm');
    const compiled = under(500, () => compileGraph(chainGraph(MAX_GRAPH_DEPTH), { seed: 1 }));
    try {
      const out = compiled.model.predict(tf.zeros([2, 16, 16, 3])) as tf.Tensor;
      expect(out.shape).toEqual([2, 10]);
      out.dispose();
    } finally {
      compiled.model.dispose();
    }
  });
});
