import {
  COCO_INPUT_ERRORS,
  COCO_STAT_LABELS,
  evaluateCoco,
  formatCocoStats,
} from '../../core/detection/coco-eval.ts';
import { parseCocoDetections, parseCocoGroundTruth } from '../../core/detection/coco-files.ts';
import type { Parsed } from '../../core/detection/coco-files.ts';
import { StudioError } from '../../core/problems.ts';
import { readRegularText } from '../fs/regular-file.ts';
import { parseCommandArgs } from './args.ts';
import type { CommandContext } from './context.ts';
import { table } from './format.ts';

/** COCO's instances_train2017.json is 450 MB; a results file for 5,000 images about 50 MB. */
const MAX_COCO_BYTES = 1024 ** 3;

/** Reads and checks one of the two files; every problem is a sentence naming the file. */
async function readCocoFile<T>(
  path: string,
  what: string,
  parse: (json: unknown) => Parsed<T>,
): Promise<T> {
  const text = await readRegularText(path, { what, maxBytes: MAX_COCO_BYTES });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StudioError('E_FILE', `${path} is not JSON: ${(e as Error).message}.`);
  }
  const parsed = parse(json);
  if (!parsed.ok) throw new StudioError('E_FILE', `${path} is not a ${what}: ${parsed.problem}.`);
  return parsed.value;
}

const three = (x: number) => (x === -1 ? '-1' : x.toFixed(3));

/** pycocotools' twelve numbers for any detector's results on a COCO ground truth. */
export async function cocoEvalCommand(
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const { positionals, values } = parseCommandArgs('coco-eval', argv, {
    'per-class': { type: 'boolean' },
    json: { type: 'boolean' },
  } as const);
  const [gtPath, dtPath, ...extra] = positionals;
  if (!gtPath || !dtPath || extra.length) {
    throw new StudioError(
      'E_BAD_FLAG',
      `'coco-eval' takes a ground-truth file and a detections file${extra.length ? `, but also got '${extra.join("', '")}'` : ''}; see 'npm run cli -- help'.`,
    );
  }
  const gt = await readCocoFile(gtPath, 'COCO ground-truth file', parseCocoGroundTruth);
  const detections = await readCocoFile(dtPath, 'COCO results file', parseCocoDetections);
  let result;
  try {
    result = evaluateCoco(gt, detections);
  } catch (e) {
    // The sentence names the file at fault.
    if (e instanceof StudioError && e.code === COCO_INPUT_ERRORS.groundTruth)
      throw new StudioError(e.code, `${gtPath}: ${e.message}`);
    if (e instanceof StudioError && e.code === COCO_INPUT_ERRORS.detections)
      throw new StudioError(e.code, `${dtPath} does not fit ${gtPath}: ${e.message}`);
    throw e;
  }
  if (values.json) {
    ctx.out(
      `${JSON.stringify({
        type: 'coco-eval',
        stats: result.stats,
        labels: COCO_STAT_LABELS,
        ...(values['per-class'] ? { perClass: result.perClass } : {}),
      })}\n`,
    );
    return 0;
  }
  ctx.out(formatCocoStats(result.stats));
  if (values['per-class']) {
    const rows = [['category', 'id', 'AP', 'AP50', 'AP75']];
    for (const c of result.perClass)
      rows.push([c.name, String(c.categoryId), three(c.ap), three(c.ap50), three(c.ap75)]);
    ctx.out(`\n${table(rows, [1, 2, 3, 4])}\n`);
    if (result.perClass.some((c) => c.ap === -1))
      ctx.out('(-1: no ground truth of that category, left out of the means)\n');
  }
  return 0;
}
