import { z } from 'zod';
import type { CocoDetection, CocoGroundTruth } from './coco-eval.ts';

/**
 * The two files COCO evaluation reads, checked before anything is scored: a ground-truth file
 * (`images`, `annotations`, `categories`) and a results file (a list of detections), as
 * pycocotools reads them for boxes. Other fields are allowed and left alone.
 */

/** zod's sentence for a field: "is missing" when absent, else what it must be. */
const must = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is missing' : `must be ${what}`;
const id = z.number({ error: must('a whole number') }).int({ error: must('a whole number') });
const finite = z.number({ error: must('a number') }).finite({ error: must('a finite number') });
const bbox = z.tuple([finite, finite, finite, finite], {
  error: 'must be [x, y, width, height]: four numbers',
});

const groundTruthSchema = z.object(
  {
    images: z.array(z.object({ id }, { error: 'must be an object with an id' }), {
      error: must('a list of images'),
    }),
    annotations: z.array(
      z.object(
        {
          id: id.optional(),
          image_id: id,
          category_id: id,
          bbox,
          area: finite.optional(),
          iscrowd: z.union([z.literal(0), z.literal(1)], { error: 'must be 0 or 1' }).optional(),
          ignore: finite.optional(),
        },
        { error: 'must be an object' },
      ),
      { error: must('a list of annotations') },
    ),
    categories: z.array(
      z.object(
        { id, name: z.string({ error: must('a text') }) },
        { error: 'must be an object with an id and a name' },
      ),
      { error: must('a list of categories') },
    ),
  },
  { error: 'must be an object with images, annotations and categories' },
);

const detectionsSchema = z.array(
  z.object(
    { image_id: id, category_id: id, bbox, score: finite },
    { error: 'must be an object with image_id, category_id, bbox and score' },
  ),
  { error: 'must be a list of detections ([{"image_id", "category_id", "bbox", "score"}, …])' },
);

/** "annotations[3].bbox must be …", or "the file must be …" for the whole document. */
function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is not valid';
  const where = issue.path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`))
    .join('');
  return `${where || 'the file'} ${issue.message}`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const parseWith =
  <T>(schema: z.ZodType<T>) =>
  (json: unknown): Parsed<T> => {
    const result = schema.safeParse(json);
    return result.success
      ? { ok: true, value: result.data }
      : { ok: false, problem: firstProblem(result.error) };
  };

/** A COCO ground-truth document, or the first thing wrong with it ("images[2].id must be …"). */
export const parseCocoGroundTruth: (json: unknown) => Parsed<CocoGroundTruth> =
  parseWith(groundTruthSchema);

/** A COCO results list (boxes), or the first thing wrong with it. */
export const parseCocoDetections: (json: unknown) => Parsed<readonly CocoDetection[]> =
  parseWith(detectionsSchema);
