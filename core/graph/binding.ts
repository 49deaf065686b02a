import { problem, type Problem } from '../problems.ts';
import { taskSpec, targetWidth, type DatasetTarget } from '../tasks/registry.ts';
import type { HeadInfo } from './analyze.ts';

/**
 * Checks that each head can learn its target from this dataset before any training starts:
 * the target exists, is of the head's kind, and has the width of the head's output.
 */
export function checkBindings(
  heads: readonly HeadInfo[],
  targets: readonly DatasetTarget[],
  datasetName: string,
): Problem[] {
  const problems: Problem[] = [];
  for (const head of heads) {
    const target = targets.find((t) => t.name === head.target);
    if (!target) {
      problems.push(
        problem(
          'E_TARGET_MISSING',
          `${head.label} learns the target '${head.target}' but the ${datasetName} dataset has only ${targets
            .map((t) => `'${t.name}'`)
            .join(', ')}.`,
          [head.nodeId],
          { field: 'target' },
        ),
      );
      continue;
    }
    if (target.kind !== head.targetKind) {
      problems.push(
        problem(
          'E_TARGET_KIND',
          `${head.label} needs ${taskSpec(head.targetKind).word} target but '${target.name}' in the ${datasetName} dataset is ${taskSpec(target.kind).word} target.`,
          [head.nodeId],
          { field: 'target' },
        ),
      );
      continue;
    }
    const check = taskSpec(target.kind).checkHead;
    if (check) {
      const why = check(target, head.shape);
      if (why) {
        problems.push(
          problem(
            'E_TARGET_SIZE',
            `${head.label} ${why} ('${target.name}' in the ${datasetName} dataset).`,
            [head.nodeId],
          ),
        );
      }
      continue;
    }
    const width = targetWidth(target);
    if (width !== head.units) {
      // A kind whose width is fixed (a box) has no param to set, and its head always fits.
      const param = taskSpec(target.kind).widthParam;
      const what = param
        ? { field: param.field, words: param.words(target) }
        : { field: 'units', words: `${width} values` };
      problems.push(
        problem(
          'E_TARGET_SIZE',
          `${head.label} has ${head.units} outputs but the target '${target.name}' in the ${datasetName} dataset has ${what.words}; set ${what.field} to ${width}.`,
          [head.nodeId],
          { field: what.field },
        ),
      );
    }
  }
  return problems;
}
