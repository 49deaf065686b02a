import { describe, expect, it } from 'vitest';
import { loadGraphText } from './files.ts';

const model = (outputActivation: string) =>
  JSON.stringify({
    modelTopology: {
      class_name: 'Model',
      config: {
        layers: [
          {
            name: 'image',
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 8, 8, 1] },
            inbound_nodes: [],
          },
          {
            name: 'flat',
            class_name: 'Flatten',
            config: {},
            inbound_nodes: [[['image', 0, 0, {}]]],
          },
          {
            name: 'digit',
            class_name: 'Dense',
            config: { units: 10, activation: outputActivation },
            inbound_nodes: [[['flat', 0, 0, {}]]],
          },
        ],
        input_layers: [['image', 0, 0]],
        output_layers: [['digit', 0, 0]],
      },
    },
  });

describe('opening a model.json', () => {
  it('opens a TensorFlow.js Layers model as a graph whose Save asks where', () => {
    const result = loadGraphText('model.json', model('softmax'));
    expect(result).toMatchObject({
      ok: true,
      name: 'model',
      imported: true,
      report: 'The input is 8×8×1; the head is digit: classification head, 10 outputs.',
    });
    if (!result.ok) return;
    expect(result.document.nodes.map((n) => [n.id, n.kind])).toEqual([
      ['image', 'Input'],
      ['flat', 'Flatten'],
      ['digit', 'ClassificationHead'],
    ]);
    expect(result.document.nodes[2]?.params).toMatchObject({ task: 'digit', classes: 10 });
  });

  it('opens one saved with a UTF-8 byte-order mark, as graph files are', () => {
    expect(loadGraphText('model.json', `\uFEFF${model('softmax')}`)).toMatchObject({
      ok: true,
      imported: true,
    });
  });

  it('says which layer cannot be represented and opens nothing', () => {
    expect(loadGraphText('model.json', model('exponential'))).toEqual({
      ok: false,
      message:
        "model.json cannot be opened as a graph: The layer 'digit' (Dense) is an output with 10 exponential units; a head is softmax (classes), sigmoid (4 for a box, else attributes) or linear (values).",
    });
  });
});
