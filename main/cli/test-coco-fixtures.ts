import type {
  CocoAnnotation,
  CocoDetection,
  CocoGroundTruth,
} from '../../core/detection/coco-eval.ts';
import { createRng } from '../datasets/rng.ts';

/** Ground truth and detections for a check against pycocotools. */
export interface CocoFixture {
  readonly gt: CocoGroundTruth;
  readonly detections: CocoDetection[];
}

type Box = [number, number, number, number];

/** Writes fixtures by hand: one image per situation, annotation ids counted from 1. */
class FixtureBuilder {
  readonly annotations: CocoAnnotation[] = [];
  readonly detections: CocoDetection[] = [];
  private nextId = 1;

  truth(image_id: number, category_id: number, bbox: Box, extra: Partial<CocoAnnotation> = {}) {
    this.annotations.push({
      id: this.nextId++,
      image_id,
      category_id,
      bbox,
      area: bbox[2] * bbox[3],
      iscrowd: 0,
      ...extra,
    });
  }

  detect(image_id: number, category_id: number, bbox: Box, score: number) {
    this.detections.push({ image_id, category_id, bbox, score });
  }
}

const CATEGORIES = [
  { id: 2, name: 'dog' },
  { id: 1, name: 'cat' },
  { id: 3, name: 'bird' }, // detections, never any truth
  { id: 5, name: 'ant' }, // only a crowd
  { id: 4, name: 'fish' }, // neither
];
const [CAT, DOG, BIRD, ANT] = [1, 2, 3, 5];

/**
 * Every situation pycocotools treats specially, each on its own image: crowds matched (several
 * times) and unmatched, an empty image, an image with only detections, duplicates, each area
 * range and both ends of each, an `area` field unlike the box, more than 100 detections, ties
 * within and across images, `ignore` flags, an annotation id of 0, a zero-width detection.
 */
export function situationsFixture(): CocoFixture {
  const f = new FixtureBuilder();
  // 1: a crowd takes several detections; one barely touches it.
  f.truth(1, DOG, [100, 100, 80, 60]);
  f.truth(1, DOG, [300, 200, 200, 150], { iscrowd: 1 });
  f.detect(1, DOG, [102, 98, 78, 62], 0.9);
  f.detect(1, DOG, [310, 210, 50, 40], 0.8);
  f.detect(1, DOG, [400, 250, 60, 50], 0.7);
  f.detect(1, DOG, [320, 220, 150, 100], 0.6);
  f.detect(1, DOG, [480, 330, 100, 100], 0.5);
  // 2: a crowd nothing hits, and a false positive scored above the true one.
  f.truth(2, CAT, [0, 0, 300, 300], { iscrowd: 1 });
  f.truth(2, CAT, [400, 300, 50, 40]);
  f.detect(2, CAT, [410, 305, 45, 38], 0.75);
  f.detect(2, CAT, [200, 400, 30, 30], 0.95);
  // 3: nothing at all. 4: detections only.
  f.detect(4, CAT, [10, 10, 50, 50], 0.99);
  f.detect(4, DOG, [60, 60, 40, 40], 0.3);
  f.detect(4, ANT, [5, 5, 10, 10], 0.2);
  // 5: duplicate detections of one object, one detection of duplicate objects.
  f.truth(5, CAT, [50, 50, 100, 100]);
  for (let i = 0; i < 3; i++) f.detect(5, CAT, [52, 52, 98, 98], 0.85);
  f.truth(5, DOG, [300, 300, 40, 40]);
  f.truth(5, DOG, [300, 300, 40, 40]);
  f.detect(5, DOG, [300, 300, 40, 40], 0.6);
  // 6: every area range, objects on the ranges' ends, an `area` smaller than the box.
  f.truth(6, CAT, [10, 10, 20, 20]);
  f.truth(6, CAT, [100, 100, 50, 50]);
  f.truth(6, CAT, [200, 200, 150, 150]);
  f.truth(6, CAT, [400, 10, 32, 32]);
  f.truth(6, DOG, [450, 100, 96, 96]);
  f.truth(6, DOG, [10, 300, 40, 40], { area: 900 });
  f.detect(6, CAT, [11, 11, 20, 19], 0.9);
  f.detect(6, CAT, [105, 100, 50, 50], 0.8);
  f.detect(6, CAT, [220, 220, 150, 150], 0.7);
  f.detect(6, CAT, [400, 10, 32, 32], 0.65);
  f.detect(6, DOG, [452, 102, 94, 94], 0.6);
  f.detect(6, DOG, [12, 302, 38, 38], 0.55);
  f.detect(6, CAT, [600, 400, 10, 10], 0.5);
  f.detect(6, CAT, [0, 200, 100, 100], 0.45);
  f.detect(6, DOG, [500, 300, 40, 40], 0.4);
  // 7: 130 detections of one category on five objects; the best ones are not all in the top 100.
  for (let i = 0; i < 5; i++) f.truth(7, CAT, [i * 100 + 10, 50, 60, 60]);
  for (let j = 0; j < 130; j++) {
    const jitter = ((j * 7) % 13) - 6;
    const score = j >= 100 && j % 5 === 0 ? 0.3 : 0.5 + ((j * 37) % 100) / 1000;
    f.detect(7, CAT, [(j % 5) * 100 + 10 + jitter, 50 + jitter / 2, 60 - jitter, 60], score);
  }
  // 8 and 9: equal scores within and across images, true and false positives mixed.
  f.truth(8, CAT, [100, 100, 50, 50]);
  f.detect(8, CAT, [100, 100, 50, 50], 0.5);
  f.detect(8, CAT, [300, 300, 50, 50], 0.5);
  f.truth(9, CAT, [100, 100, 50, 50]);
  f.detect(9, CAT, [300, 300, 50, 50], 0.5);
  f.detect(9, CAT, [101, 101, 50, 50], 0.5);
  f.detect(9, DOG, [101, 101, 50, 50], 0.5);
  // 10: `ignore` flags, alone and with a crowd.
  f.truth(10, CAT, [50, 50, 60, 60], { ignore: 1 });
  f.truth(10, CAT, [200, 200, 60, 60], { ignore: 1, iscrowd: 1 });
  f.detect(10, CAT, [52, 52, 60, 60], 0.7);
  f.detect(10, CAT, [205, 205, 50, 50], 0.6);
  f.detect(10, CAT, [210, 210, 20, 20], 0.65);
  // 11: a category whose only truth is a crowd. 12: a category with no truth anywhere.
  f.truth(11, ANT, [0, 0, 100, 100], { iscrowd: 1 });
  f.detect(11, ANT, [10, 10, 20, 20], 0.9);
  f.detect(12, BIRD, [10, 10, 30, 30], 0.8);
  f.detect(2, BIRD, [400, 300, 50, 40], 0.7);
  // 13: an annotation with id 0 (pycocotools reads its match as none), a zero-width detection.
  f.truth(13, CAT, [100, 100, 40, 40], { id: 0 });
  f.detect(13, CAT, [100, 100, 40, 40], 0.9);
  f.detect(13, CAT, [300, 300, 0, 20], 0.4);
  const images = [13, 7, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12].map((id) => ({
    id,
    width: 640,
    height: 480,
    file_name: `${id}.jpg`,
  }));
  return {
    gt: { images, annotations: f.annotations, categories: CATEGORIES },
    detections: f.detections,
  };
}

/** Small and medium objects only: the large lines are -1, as in pycocotools. */
export function noLargeFixture(): CocoFixture {
  const f = new FixtureBuilder();
  f.truth(1, CAT, [10, 10, 20, 20]);
  f.truth(1, CAT, [100, 100, 50, 50]);
  f.truth(2, DOG, [40, 40, 30, 30]);
  f.detect(1, CAT, [12, 10, 20, 20], 0.9);
  f.detect(1, CAT, [100, 110, 50, 45], 0.4);
  f.detect(2, DOG, [40, 40, 30, 30], 0.8);
  f.detect(2, DOG, [0, 0, 200, 200], 0.95);
  const images = [1, 2].map((id) => ({ id, width: 320, height: 240 }));
  return {
    gt: { images, annotations: f.annotations, categories: CATEGORIES.slice(0, 2) },
    detections: f.detections,
  };
}

/**
 * `images` images of random sizes with 0–8 objects of 5 categories (a sixth only detected),
 * sides from 4 to 300 pixels, a few crowds and `ignore` flags, `area` below the box's as a
 * segment's is; detections jittered around most objects, misplaced ones, wrong classes, scores on
 * a 0.01 grid (many ties), and now and then an image with 120 more.
 */
export function randomFixture(seed: number, images = 300): CocoFixture {
  const rng = createRng(seed);
  const f = new FixtureBuilder();
  const round = (x: number) => Math.round(x * 10) / 10;
  const score = () => Math.round(rng.nextFloat() * 100) / 100;
  const imageList = [];
  for (let id = 1; id <= images; id++) {
    const width = 200 + rng.nextInt(600);
    const height = 200 + rng.nextInt(600);
    imageList.push({ id, width, height });
    const box = (): Box => {
      const w = Math.min(width - 1, Math.exp(rng.nextRange(Math.log(4), Math.log(300))));
      const h = Math.min(height - 1, w * rng.nextRange(0.5, 2));
      return [
        round(rng.nextFloat() * (width - w)),
        round(rng.nextFloat() * (height - h)),
        round(w),
        round(h),
      ];
    };
    const objects = rng.nextInt(9);
    for (let o = 0; o < objects; o++) {
      const category = 1 + rng.nextInt(5);
      const bbox = box();
      const crowd = rng.nextFloat() < 0.04 ? 1 : 0;
      const ignore = rng.nextFloat() < 0.03 ? 1 : 0;
      f.truth(id, category, bbox, {
        area: round(bbox[2] * bbox[3] * rng.nextRange(0.5, 1)),
        iscrowd: crowd,
        ...(ignore ? { ignore } : {}),
      });
      if (rng.nextFloat() < 0.85) {
        const [x, y, w, h] = bbox;
        const jitter = () => rng.normal() * 0.1;
        const wrong = rng.nextFloat() < 0.1;
        f.detect(
          id,
          wrong ? 1 + rng.nextInt(6) : category,
          [
            round(x + jitter() * w),
            round(y + jitter() * h),
            round(w * (1 + jitter())),
            round(h * (1 + jitter())),
          ],
          score(),
        );
      }
    }
    const misses = rng.nextInt(11) + (rng.nextFloat() < 0.025 ? 120 : 0);
    const missCategory = 1 + rng.nextInt(6);
    for (let m = 0; m < misses; m++)
      f.detect(id, m < 10 ? 1 + rng.nextInt(6) : missCategory, box(), score());
  }
  const categories = [1, 2, 3, 4, 5, 6].map((id) => ({ id, name: `class ${id}` }));
  return {
    gt: { images: imageList, annotations: f.annotations, categories },
    detections: f.detections,
  };
}
