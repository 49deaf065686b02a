import { describe, expect, it } from 'vitest';
import { loadGraphDocument, serializeGraphDocument, type Migration } from './load.ts';
import { GRAPH_FORMAT } from './schema.ts';

const minimal = {
  format: GRAPH_FORMAT,
  version: 1,
  nodes: [
    { id: 'image', kind: 'Input' },
    { id: 'flat', kind: 'Flatten' },
    { id: 'cls', kind: 'ClassificationHead', params: { classes: 3 } },
  ],
  edges: [
    { id: 'a', source: 'image', target: 'flat' },
    { id: 'b', source: 'flat', target: 'cls' },
  ],
};

describe('loadGraphDocument', () => {
  it('fills defaults for the document, the training settings and each node', () => {
    const r = loadGraphDocument(minimal);
    if (!r.ok) throw r.error;
    const doc = r.document;
    expect(doc.name).toBe('Untitled graph');
    expect(doc.training).toMatchObject({ optimizer: 'adam', learningRate: 0.001, batchSize: 32 });
    expect(doc.nodes[0]?.params).toEqual({ height: 64, width: 64, channels: 3 });
    expect(doc.nodes[2]?.params).toMatchObject({ classes: 3, task: 'class', lossWeight: 1 });
    expect(doc.nodes[1]?.position).toEqual({ x: 0, y: 0 });
    expect(doc.edges[0]?.targetPort).toBe('in');
  });

  it('round-trips through its serialised form unchanged', () => {
    const r = loadGraphDocument(minimal);
    if (!r.ok) throw r.error;
    const again = loadGraphDocument(serializeGraphDocument(r.document));
    expect(again.ok && again.document).toEqual(r.document);
  });

  it('names the field and what was expected', () => {
    const r = loadGraphDocument({ ...minimal, training: { batchSize: 'big' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe(
      'The graph file is not valid: training.batchSize: invalid input: expected number, received string.',
    );
    expect(r.error.code).toBe('E_GRAPH_INVALID');
  });

  it('rejects unknown top-level fields rather than dropping them silently', () => {
    const r = loadGraphDocument({ ...minimal, nodez: [] });
    expect(!r.ok && r.error.message).toContain('unrecognized key: "nodez"');
  });

  it('migrates older versions step by step', () => {
    // A hypothetical version 0 that called `kind` `type`, to exercise the chain.
    const migrations: Migration[] = [
      {
        from: 0,
        migrate: (doc) => ({
          ...doc,
          nodes: (doc.nodes as { type: string }[]).map(({ type, ...rest }) => ({
            ...rest,
            kind: type,
          })),
        }),
      },
    ];
    const old = {
      ...minimal,
      version: 0,
      nodes: minimal.nodes.map(({ kind, ...rest }) => ({ ...rest, type: kind })),
    };
    const r = loadGraphDocument(old, migrations);
    if (!r.ok) throw r.error;
    expect(r.migratedFrom).toBe(0);
    expect(r.document.version).toBe(1);
    expect(r.document.nodes.map((n) => n.kind)).toEqual(['Input', 'Flatten', 'ClassificationHead']);
    const missing = loadGraphDocument(old);
    expect(!missing.ok && missing.error.message).toBe(
      'The graph file is version 0 and no migration from version 0 exists.',
    );
  });

  it('refuses files that are not graphs', () => {
    for (const input of [null, [], 'not json', 42, { format: 'x' }]) {
      const r = loadGraphDocument(input);
      expect(r.ok).toBe(false);
    }
  });
});
