import { targetWidth, type DatasetTarget } from '../dataset-target.ts';
import { problem, type Problem } from '../problems.ts';
import type { HeadInfo } from './analyze.ts';

const KIND_WORD = { class: 'a class', box: 'a box', numeric: 'a numeric' } as const;
const list = (items: readonly string[], max = 6) =>
  items.length > max ? `${items.slice(0, max).join(', ')}, …` : items.join(', ');

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
          `${head.label} needs ${KIND_WORD[head.targetKind]} target but '${target.name}' in the ${datasetName} dataset is ${KIND_WORD[target.kind]} target.`,
          [head.nodeId],
          { field: 'target' },
        ),
      );
      continue;
    }
    const width = targetWidth(target);
    if (width !== head.units) {
      const what =
        target.kind === 'class'
          ? { field: 'classes', words: `${width} classes (${list(target.classes)})` }
          : {
              field: 'units',
              words: `${width} columns (${list(target.kind === 'numeric' ? target.columns : [])})`,
            };
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
