import { describe, expect, it } from 'vitest';
import { loadGraphText, readGraphFile } from './files.ts';

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

describe('opening a Keras file', () => {
  // Keras 3's layout: call arguments holding keras_history, a single input as one triple.
  const tensor = (layer: string) => ({
    class_name: '__keras_tensor__',
    config: { keras_history: [layer, 0, 0] },
  });
  const config = {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: 'two',
      layers: [
        {
          module: 'keras.layers',
          class_name: 'InputLayer',
          config: { batch_shape: [null, 8, 8, 1], name: 'image' },
          name: 'image',
          inbound_nodes: [],
        },
        {
          module: 'keras.layers',
          class_name: 'Flatten',
          config: { name: 'flat' },
          name: 'flat',
          inbound_nodes: [{ args: [tensor('image')], kwargs: {} }],
        },
        {
          module: 'keras.layers',
          class_name: 'Dense',
          config: { name: 'digit', units: 10, activation: 'softmax' },
          name: 'digit',
          inbound_nodes: [{ args: [tensor('flat')], kwargs: {} }],
        },
      ],
      input_layers: ['image', 0, 0],
      output_layers: ['digit', 0, 0],
    },
  };

  it('has the host read it and imports its config', async () => {
    const sent: string[] = [];
    const result = await readGraphFile(new File([new Uint8Array([80, 75])], 'two.keras'), {
      readModelFile: (name, data) => {
        sent.push(`${name} ${data.byteLength}`);
        return Promise.resolve({ model: config });
      },
    });
    expect(sent).toEqual(['two.keras 2']);
    expect(result).toMatchObject({
      ok: true,
      name: 'two',
      imported: true,
      report: 'The input is 8×8×1; the head is digit: classification head, 10 outputs.',
    });
  });

  it("gives the host's sentence when the file cannot be read", async () => {
    const result = await readGraphFile(new File(['hello'], 'model.h5'), {
      readModelFile: () =>
        Promise.reject(
          new Error(
            'model.h5 is neither a Keras 3 .keras file (a zip) nor a legacy .h5 file (HDF5).',
          ),
        ),
    });
    expect(result).toEqual({
      ok: false,
      message:
        'model.h5 cannot be opened: model.h5 is neither a Keras 3 .keras file (a zip) nor a legacy .h5 file (HDF5).',
    });
  });
});
