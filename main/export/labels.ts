import type { HeadInfo } from '../../core/graph/analyze.ts';
import type { DatasetTarget, TaskKind } from '../../core/tasks/registry.ts';
import { taskSpec } from '../../core/tasks/registry.ts';
import type { ExportFiles } from './files.ts';
import { pythonString } from './python-names.ts';
import type { ExportSource } from './source.ts';

/**
 * What each output of an exported model means, carried by every format, so an export is usable
 * without the studio: the task, the target it learned, the names of its values in output order
 * (classes, attributes, columns) and a sentence on how to read them, as Teachable Machine ships
 * metadata.json and labels.txt beside its models.
 */
export interface OutputMeaning {
  /** The output's name: the head's task. */
  readonly task: string;
  readonly kind: TaskKind;
  /** The dataset target the head learned. */
  readonly target: string;
  /** Values per sample. */
  readonly size: number;
  /** What each value stands for, in output order; absent where the run did not record them. */
  readonly names?: readonly string[];
  /** How to read the output, one sentence. */
  readonly meaning: string;
}

export const METADATA_FILE = 'metadata.json';
/** One file per task with names: one name a line, line i the output's value i. */
export const labelsFile = (task: string): string => `labels-${task}.txt`;

/** The names of a target's values in output order, where its kind names them. */
function valueNames(target: DatasetTarget | undefined): readonly string[] | undefined {
  if (!target) return undefined;
  if (target.kind === 'numeric') return target.columns;
  if (target.kind === 'box') return ['xmin', 'ymin', 'xmax', 'ymax'];
  return taskSpec(target.kind).outputNames?.(target);
}

/** How to read each kind's output, one sentence. */
const MEANINGS = {
  class: (n) =>
    `softmax probabilities over ${n} classes (they sum to 1); the predicted class is the largest`,
  attributes: (n) =>
    `${n} independent sigmoid probabilities, one per attribute; an attribute is on above 0.5`,
  box: () => 'one box [xmin, ymin, xmax, ymax] as fractions (0–1) of the image width and height',
  numeric: (n) => `${n} linear values, in the units the dataset gave them`,
  mask: (_, [h, w, c]) =>
    `[${h}, ${w}, ${c}] channels last: softmax probabilities over ${c} classes at every pixel; a pixel's class is its largest`,
  depth: (_, [h, w]) =>
    `[${h}, ${w}, 1]: a depth at every pixel, in the units of the training depths`,
  normals: (_, [h, w]) =>
    `[${h}, ${w}, 3]: a surface normal (x right, y up, z towards the camera) at every pixel, not normalised; divide by its length`,
  objects: (_, [h, w, c]) =>
    `detection maps [${h}, ${w}, ${c}] channels last: per class a centre heatmap logit (its sigmoid is the score), then each cell's object width and height and its centre's sub-cell offset x, y; decode() in the PyTorch and Keras model.py and in postprocess.py beside the ONNX model turns them into boxes`,
} satisfies Record<TaskKind, (size: number, shape: readonly number[]) => string>;

/** The exported model's outputs, in the order the model gives them. */
export function outputMeanings(
  heads: readonly HeadInfo[],
  targets: readonly DatasetTarget[] | undefined,
): OutputMeaning[] {
  return heads.map((head) => {
    const target = targets?.find((t) => t.name === head.target && t.kind === head.targetKind);
    const names = valueNames(target);
    return {
      task: head.task,
      kind: head.targetKind,
      target: head.target,
      size: head.units,
      // A head on a feature map names its classes, which are not one output each.
      ...(names && (head.shape.length > 1 || names.length === head.units)
        ? { names: [...names] }
        : {}),
      meaning: MEANINGS[head.targetKind](head.units, head.shape),
    };
  });
}

/** The model's input and outputs as metadata.json keeps them. */
export function exportMetadata(source: ExportSource) {
  const [height, width, channels] = source.inputShape;
  return {
    format: 'multitask-studio/export-metadata',
    version: 1,
    model: source.graph.name,
    run: source.runName,
    input: {
      shape: [height, width, channels],
      layout: 'NHWC (batch, height, width, channels)',
      pixels: 'float32 in [0, 1] (divide 8-bit values by 255)',
    },
    outputs: outputMeanings(source.heads, source.targets),
  };
}

/** metadata.json, and a labels file per output whose values have names. */
export function labelFiles(source: ExportSource): ExportFiles {
  const text = (s: string) => new TextEncoder().encode(s);
  const metadata = exportMetadata(source);
  const files: ExportFiles = new Map([
    [METADATA_FILE, text(`${JSON.stringify(metadata, null, 2)}\n`)],
  ]);
  for (const output of metadata.outputs) {
    if (output.names)
      files.set(
        labelsFile(output.task),
        text(`${output.names.map((n) => n.replace(/[\r\n]+/g, ' ')).join('\n')}\n`),
      );
  }
  return files;
}

/** The outputs as a Python constant for a generated model.py: task → names and meaning. */
export function pythonOutputs(source: ExportSource): string {
  const entries = outputMeanings(source.heads, source.targets).map((o) => {
    const names = o.names ? `[${o.names.map(pythonString).join(', ')}]` : 'None';
    return `    ${pythonString(o.task)}: {"target": ${pythonString(o.target)}, "names": ${names}, "meaning": ${pythonString(o.meaning)}},`;
  });
  return `# What each output holds: the target it learned, the names of its values in output order
# (None where the run did not record them) and how to read it. Also in ${METADATA_FILE}.
OUTPUTS = {
${entries.join('\n')}
}`;
}
