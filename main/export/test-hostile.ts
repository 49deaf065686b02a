import { parseGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { graphOf } from '../engine/test-graphs.ts';
import { createRng, type Rng } from '../datasets/rng.ts';

/**
 * Graphs whose strings try to break the code the exports generate: quotes that end a literal or
 * a docstring, backslashes, line breaks that start a statement, bidi and zero-width characters,
 * and node ids that are Python keywords or the generated code's own names.
 */

/** The exploit: a docstring closed early, then a statement that leaves a file behind. */
export const exploitName = (marker: string): string =>
  `Evil"""\nimport os; os.system("touch ${marker}")\n"""`;

/** Every trick at once, for names, descriptions, labels, targets and dataset paths. */
export const NASTY =
  `q"uo'te """ ''' \\ C:\\xyz \\n \\" \\\n` +
  `line\nbreak\r\nreturn\rcr \t\v\f\x01\x1b[31m\x7f ` +
  `\u2028\u2029 \u202Eevil\u202C \u200B\uFEFF é 🎉 {x} %s # \`tick\` *a* [b](c) <d> ` +
  `import os; os.system("touch /dev/null") lambda class def None` +
  `"`;

/**
 * Node ids that are Python keywords, builtins, the modules the code imports, its functions and
 * locals, nn.Module's own attributes, and two ids that become the same identifier.
 */
export function hostileGraph(name = NASTY): GraphDocument {
  const n = (id: string, kind: string, params: Record<string, unknown> = {}) => ({
    id,
    kind,
    label: NASTY.slice(0, 100),
    params,
  });
  const nodes = [
    n('class', 'Input', { height: 9, width: 9, channels: 3 }),
    n('torch', 'Conv2D', { filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    // 'same' average pooling over 9 pixels pads, so the PyTorch code needs its helper function.
    n('average_without_padding', 'AveragePooling2D', { poolSize: 2, padding: 'same' }),
    n('self', 'BatchNormalization'),
    n('F', 'MaxPooling2D', { poolSize: 2, strides: 1, padding: 'same' }),
    n('x', 'Conv2D', { filters: 4, kernelSize: 1, activation: 'tanh' }),
    n('np', 'Add'),
    n('forward', 'Conv2D', { filters: 2, kernelSize: 1 }),
    n('a-b', 'Activation', { activation: 'softmax' }),
    n('a_b', 'Concatenate', { axis: -1 }),
    n('keras', 'GlobalAveragePooling2D'),
    n('layers', 'Flatten'),
    n('None', 'Dense', { units: 6, activation: 'relu' }),
    n('mean_iou', 'Dropout', { rate: 0.2 }),
    n('training', 'BatchNormalization'),
    n('nn', 'Concatenate', { axis: -1 }),
    n('def', 'ClassificationHead', { task: 'lambda', classes: 3, target: NASTY.slice(0, 64) }),
    n('return', 'BoxHead', { task: 'import', target: '"""\n' }),
    n('load_model', 'RegressionHead', { task: 'x-y', units: 2, target: 'C:\\xyz' }),
  ];
  const edges: [string, string, string?][] = [
    ['class', 'torch'],
    ['torch', 'average_without_padding'],
    ['average_without_padding', 'self'],
    ['self', 'F'],
    ['F', 'x'],
    ['self', 'np', 'in0'],
    ['x', 'np', 'in1'],
    ['np', 'forward'],
    ['forward', 'a-b'],
    ['a-b', 'a_b', 'in0'],
    ['np', 'a_b', 'in1'],
    ['a_b', 'keras'],
    ['a_b', 'layers'],
    ['layers', 'None'],
    ['None', 'mean_iou'],
    ['keras', 'training'],
    ['training', 'nn', 'in0'],
    ['mean_iou', 'nn', 'in1'],
    ['nn', 'def'],
    ['nn', 'return'],
    ['None', 'load_model'],
  ];
  const graph = graphOf(name, nodes, edges, {
    dataset: `/data/${NASTY}`,
    seed: 5,
    epochs: 1,
    batchSize: 8,
  });
  return { ...graph, description: NASTY };
}

/** Characters picked more often than their share: the ones that end strings, lines and comments. */
const TRICKY = [
  '"',
  '"""',
  "'",
  "'''",
  '\\',
  '\\n',
  '\n',
  '\r',
  '\t',
  '\0',
  '\x0b',
  '\x0c',
  '\x1b',
  '\x7f',
  '\x85',
  '\u2028',
  '\u2029',
  '\u202E',
  '\u200B',
  '\uFEFF',
  '\uD800',
  '\uDC00',
  '🎉',
  '#',
  '`',
  '{',
  '}',
  '%',
  '*',
  '_',
  '[',
  ']',
  '<',
  '>',
  'import os',
  ' class ',
  'None',
];

/** A random string of any code point, with the tricky ones often, up to `max` code units. */
export function randomText(rng: Rng, max: number, min = 0): string {
  const length = min + Math.floor(rng.nextFloat() * (max - min + 1));
  let s = '';
  while (s.length < length) {
    const roll = rng.nextFloat();
    if (roll < 0.4) s += TRICKY[Math.floor(rng.nextFloat() * TRICKY.length)]!;
    else if (roll < 0.7) s += String.fromCharCode(32 + Math.floor(rng.nextFloat() * 95));
    else if (roll < 0.85) s += String.fromCharCode(Math.floor(rng.nextFloat() * 0x10000));
    else s += String.fromCodePoint(Math.floor(rng.nextFloat() * 0x110000));
  }
  return s.slice(0, Math.max(length, min));
}

/** Ids that the schema's pattern accepts, often a name the generated code uses itself. */
const RISKY_IDS = [
  'x',
  'self',
  'image',
  'torch',
  'F',
  'nn',
  'np',
  'os',
  'keras',
  'layers',
  'ops',
  'tf',
  'h5py',
  'relu',
  'cast',
  'model',
  'class',
  'None',
  'True',
  'lambda',
  'print',
  'float',
  'super',
  'training',
  'forward',
  'eval',
  'train',
  'to',
  'cuda',
  'state_dict',
  'average_without_padding',
  'load_model',
  'load_weights',
  'build_model',
  'mean_iou',
  'iou50',
  'TASKS',
  'INPUT_SHAPE',
  'WEIGHTS_FILE',
  'MultitaskModel',
  'a-b',
  'a_b',
  'a_b_',
];

const ID_START = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ID_REST = `${ID_START}0123456789_-`;

/** A node id or task name within the schema's pattern: a letter, then letters, digits, _ or -. */
export function randomId(rng: Rng, max: number): string {
  if (rng.nextFloat() < 0.5) return RISKY_IDS[Math.floor(rng.nextFloat() * RISKY_IDS.length)]!;
  const length = 1 + Math.floor(rng.nextFloat() * max);
  let s = ID_START[Math.floor(rng.nextFloat() * ID_START.length)]!;
  while (s.length < length) s += ID_REST[Math.floor(rng.nextFloat() * ID_REST.length)]!;
  return s;
}

/** `count` distinct ids. */
function distinctIds(rng: Rng, count: number, max: number): string[] {
  const ids = new Set<string>();
  while (ids.size < count) ids.add(randomId(rng, max));
  return [...ids];
}

/**
 * A small graph of every shape of code the exporters write (a padded average pool, a merge, three
 * heads) with random strings in every string field: the name, the description, the labels, the
 * targets and the dataset at any length the schema takes, ids and task names within its pattern.
 */
export function fuzzGraph(seed: number): GraphDocument {
  const rng = createRng(seed);
  const [input, conv, pool, add, flat, dense, cls, box, reg] = distinctIds(rng, 9, 64);
  const tasks = distinctIds(rng, 3, 40);
  const n = (id: string | undefined, kind: string, params: Record<string, unknown> = {}) => ({
    id,
    kind,
    ...(rng.nextFloat() < 0.8 ? { label: randomText(rng, 100) } : {}),
    params,
  });
  const nodes = [
    n(input, 'Input', { height: 9, width: 9, channels: 1 }),
    n(conv, 'Conv2D', { filters: 2, kernelSize: 3, padding: 'same' }),
    n(pool, 'AveragePooling2D', { poolSize: 2, padding: 'same' }),
    n(add, 'Add'),
    n(flat, 'Flatten'),
    n(dense, 'Dense', { units: 3 }),
    n(cls, 'ClassificationHead', { task: tasks[0], classes: 2, target: randomText(rng, 64, 1) }),
    n(box, 'BoxHead', { task: tasks[1], target: randomText(rng, 64, 1) }),
    n(reg, 'RegressionHead', { task: tasks[2], units: 1, target: randomText(rng, 64, 1) }),
  ];
  const edges = [
    [input, conv],
    [conv, pool],
    [pool, add, 'in0'],
    [pool, add, 'in1'],
    [add, flat],
    [flat, dense],
    [dense, cls],
    [dense, box],
    [dense, reg],
  ];
  const edgeIds = new Set<string>();
  while (edgeIds.size < edges.length) edgeIds.add(randomText(rng, 200, 1));
  const ids = [...edgeIds];
  const graph = parseGraphDocument({
    format: 'multitask-studio/graph',
    version: 1,
    name: randomText(rng, 200, 1),
    description: randomText(rng, 400),
    nodes,
    edges: edges.map(([source, target, port], i) => ({
      id: ids[i],
      source,
      target,
      ...(port ? { targetPort: port } : {}),
    })),
    training: { dataset: randomText(rng, 300, 1), epochs: 1 },
  });
  return graph;
}
