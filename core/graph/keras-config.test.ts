import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importKerasModel } from './keras-config.ts';

/** Configs as Keras 3.15 wrote them: a .keras file's config.json and a .h5 file's model_config. */
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../main/export/fixtures', name), 'utf8'));

describe('Keras model configs', () => {
  it("read a .keras file's functional config: inputs from keras_history, one input triple", () => {
    const imported = importKerasModel(fixture('keras3-functional.config.json'), 'two_heads');
    if (!imported.ok) throw new Error(imported.sentences.join(' '));
    const doc = imported.document as {
      nodes: { id: string; kind: string }[];
      edges: { source: string; target: string; targetPort: string }[];
    };
    expect(doc.nodes.map((n) => `${n.id}:${n.kind}`)).toContain('up_t:Conv2DTranspose');
    expect(doc.nodes.find((n) => n.id === 'kind')?.kind).toBe('ClassificationHead');
    expect(doc.nodes.find((n) => n.id === 'box')?.kind).toBe('BoxHead');
    // Concatenate's and Add's tensors come as one list argument; each is a port.
    expect(
      doc.edges.filter((e) => e.target === 'cat').map((e) => `${e.source}->${e.targetPort}`),
    ).toEqual(['up_t->in0', 'c2->in1']);
    expect(imported.report).toBe(
      'The input is 16×16×3; the heads are kind: classification head, 5 outputs; box: box regression head, 4 outputs.',
    );
  });

  it("reads a legacy .h5 file's Sequential model_config written by Keras 3", () => {
    const imported = importKerasModel(fixture('keras3-sequential.h5-config.json'), 'seq');
    if (!imported.ok) throw new Error(imported.sentences.join(' '));
    const nodes = (imported.document as { nodes: { kind: string }[] }).nodes;
    expect(nodes.map((n) => n.kind).join(' ')).toBe(
      'Input Conv2D ReLU MaxPooling2D Flatten ClassificationHead',
    );
  });

  it('names what is not a model', () => {
    expect(importKerasModel({ class_name: 'Conv2D', config: {} }, 'x')).toEqual({
      ok: false,
      sentences: [
        "The file's model is a Conv2D; the studio opens Functional, Model and Sequential models.",
      ],
    });
  });
});
