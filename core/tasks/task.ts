import type { z } from 'zod';
import type { Shape } from '../shape.ts';

/**
 * What a task kind is, as data: one file per kind (class.ts, box.ts, …) on one table
 * (registry.ts). Every zone reads a kind's target, losses, metrics, words and gallery view from
 * here, and keeps its own table keyed by the kind for what it alone does (tensors, files, DOM).
 */

/**
 * How one sample's target is laid out. `dense`: a fixed shape ([10] for ten classes' one-hot,
 * [4] for a box, [H, W] for a mask, [H, W, 1] for depth). `ragged`: a variable number of items of
 * a fixed shape per sample (every object of an image, each [5]).
 */
export type TargetLayout =
  | { readonly form: 'dense'; readonly shape: Shape }
  | { readonly form: 'ragged'; readonly item: Shape };

/**
 * How a split stores the target: `index` keeps one class index per sample (Int32Array) that
 * batches expand to the layout's one-hot; `values` keeps the layout's numbers as they are.
 */
export type TargetStorage = 'index' | 'values';

export type MetricDirection = 'higher' | 'lower';

/**
 * A metric over a split: sums go in batch by batch, and a finish step turns them into the value,
 * so a metric that is not a mean of per-sample values (macro F1, mAP) is as easy as one that is.
 * `truth` and `prediction` are [samples, ...layout] row-major, truth in the head's own form (a
 * class one-hot).
 */
export interface MetricAccumulator {
  reset(): void;
  add(truth: Float32Array, prediction: Float32Array, samples: number): void;
  /** The value over everything added since the last reset; NaN when nothing was added. */
  finish(): number;
  /**
   * Each class's share of the value, for a metric built on a split's confusion matrix (a mask's
   * mean IoU): the table the end of a run shows beside the mean.
   */
  perClass?(): readonly ClassIoU[];
}

/** One class of a mask head over a split: its IoU and how much of the truth it covers. */
export interface ClassIoU {
  /** Intersection over union; null for a class neither in the truth nor predicted, which the mean leaves out. */
  readonly iou: number | null;
  /** The class's pixels in the truth (ignored pixels not counted). */
  readonly pixels: number;
  /** Those pixels' share of all counted truth pixels, 0–1. */
  readonly share: number;
}

export interface MetricSpec {
  /** For people: "mean IoU", "macro F1". */
  readonly label: string;
  /** One line for the inspector. */
  readonly doc: string;
  readonly direction: MetricDirection;
  /** Its name in Keras' logs and in the exported scripts ("mean_iou"). */
  readonly keras: string;
  /** Charts draw a ratio metric on 0–1; a free one on its own scale. */
  readonly scale: 'ratio' | 'free';
  /**
   * A fresh accumulator for a head whose output has `width` numbers per sample, laid out as
   * `shape` ([10]; [H, W, C] for a head on a feature map). Its `add` receives the truth as the
   * batch holds it (for a map head, the kind's own per-sample layout: H·W class indices).
   */
  readonly create: (
    width: number,
    shape: Shape,
    /** The head's params, for a metric that depends on them (a detection head's top K). */
    params?: Readonly<Record<string, unknown>>,
    /** Shared by the metrics of this head over one split; without it, nothing is shared. */
    scope?: MetricScope,
  ) => MetricAccumulator;
}

/**
 * What the metrics of one head over one split share: a metric whose work another one also needs
 * (both mAP numbers read one COCO evaluation of the same decoded detections) keeps it here under
 * its own key, so the work is done once.
 */
export type MetricScope = Map<string, unknown>;

/** A box to draw over the image, as fractions of it: [xmin, ymin, xmax, ymax]. */
export type GalleryBox = readonly [number, number, number, number];

/** One object drawn over the image: its box, its class, and its score when predicted. */
export interface GalleryObject {
  readonly box: GalleryBox;
  readonly label: string;
  readonly score?: number;
  /** A crowd or difficult object, which the score ignores. */
  readonly ignore?: boolean;
}

/**
 * A per-pixel picture of a head's truth or prediction, as numbers the renderer colours: a class
 * per pixel (`classes`, 255 for none), one value per pixel on a colour scale (`scalar`, 0 for
 * none), or a direction per pixel as three values in −1…1 (`rgb`, all zero for none).
 */
export interface GalleryMap {
  readonly form: 'classes' | 'scalar' | 'rgb';
  readonly height: number;
  readonly width: number;
  /** height × width values (× 3 for `rgb`), row-major. */
  readonly values: readonly number[];
}

/**
 * What the gallery shows of one head on one sample, as data the renderer draws: a caption and
 * whether the head got it right, boxes over the image, colour swatches, marked names, and maps
 * beside the image (with the class names for a legend, or the range of a colour scale).
 */
export interface GalleryView {
  readonly text: string;
  readonly ok?: boolean;
  readonly boxes?: { readonly truth: GalleryBox; readonly prediction: GalleryBox };
  readonly swatches?: { readonly truth: string; readonly prediction: string };
  /**
   * Every object of the image: the truth, and the predictions down to a low floor with the
   * head's score threshold, from which a slider filters what is drawn.
   */
  readonly objects?: {
    readonly truth: readonly GalleryObject[];
    readonly prediction: readonly GalleryObject[];
    readonly threshold: number;
  };
  /** Names with a verdict each: on and predicted (hit), on and missed, off but predicted. */
  readonly marks?: readonly {
    readonly name: string;
    readonly verdict: 'hit' | 'missed' | 'extra';
  }[];
  readonly maps?: {
    readonly truth: GalleryMap;
    readonly prediction: GalleryMap;
    readonly legend?: readonly string[];
    readonly range?: readonly [number, number];
  };
}

/** One head's truth and prediction for one sample, with the target's names when it has them. */
export interface GalleryHeadData {
  /** The head's params, for a view that depends on them (a detection head's threshold). */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly truth: readonly number[];
  readonly prediction: readonly number[];
  readonly classes?: readonly string[];
  /** The head's output per sample, for a head on a feature map ([H, W, C]). */
  readonly shape?: readonly number[];
}

/** A target as a dataset offers it: a name and its kind, with whatever the kind adds. */
export interface TargetBase<K extends string> {
  readonly name: string;
  readonly kind: K;
}

export interface TaskSpec<
  K extends string = string,
  T extends TargetBase<K> = TargetBase<K>,
  L extends string = string,
  M extends string = string,
> {
  readonly kind: K;
  /** "a class", "a box": how sentences speak of a target of this kind. */
  readonly word: string;
  /** The target's schema, as datasets describe it to the app. */
  readonly target: z.ZodType<T>;
  readonly layout: (target: T) => TargetLayout;
  readonly storage: TargetStorage;
  /**
   * How the target moves when augmentation flips, shifts or scales the image: `box` corners move
   * with it; `objects` move every object's box, dropping those pushed out of the image; absent, the target stays as it is (a class, attributes, numbers).
   */
  readonly movesWithImage?: 'box' | 'objects';
  /** The losses a head of this kind may use, and the one it starts with. */
  readonly losses: readonly [L, ...L[]];
  readonly defaultLoss: L;
  /** Metrics in the order they are reported. */
  readonly metrics: Readonly<Record<M, MetricSpec>>;
  /** The target in a few words for dataset summaries: "10 classes (0, 1, …)". */
  readonly summary: (target: T) => string;
  /**
   * The head param that must equal the target's width and how the target speaks of it, for the
   * binding check ("classes", "10 classes (0, 1, …)"); absent when the width is fixed.
   */
  readonly widthParam?: { readonly field: string; readonly words: (target: T) => string };
  /**
   * For a head on a feature map, whose output is not one number per target value: why a head
   * that outputs `shape` per sample cannot learn the target ("outputs 32×32 positions but the
   * masks are 64×64"), or undefined when it fits. Absent, the output's size must equal the
   * target's width.
   */
  readonly checkHead?: (target: T, shape: Shape) => string | undefined;
  /** What each output stands for, when the outputs have names (classes, attributes). */
  readonly outputNames?: (target: T) => readonly string[];
  /**
   * What the gallery keeps of a head's truth and prediction for one sample, when the raw numbers
   * are too many for the run folder (a mask's class per pixel instead of its probabilities).
   * `shape` is the head's output per sample. Absent, both are kept as they are.
   */
  readonly galleryKeep?: (
    head: GalleryHeadData,
    shape: Shape,
  ) => Pick<GalleryHeadData, 'truth' | 'prediction'>;
  /**
   * How a map target follows the image when augmentation moves it: the value of a pixel moved
   * in from outside (the kind's "nothing here"), the channels a left–right mirror negates (a
   * normal's x), and whether a zoom by s divides the values by s (a depth seen s times nearer).
   */
  readonly mapMotion?: {
    readonly channels: (target: T) => number;
    readonly outside: number;
    readonly mirrorNegates?: readonly number[];
    readonly zoomDivides?: boolean;
  };
  /**
   * The target drawn at another image size, for a built-in dataset that draws its maps at the
   * graph's input size; absent for a target whose size does not follow the image.
   */
  readonly atImageSize?: (target: T, height: number, width: number) => T;
  readonly gallery: (head: GalleryHeadData) => GalleryView;
}

/** Any kind's spec, for checking the table's entries (a target-taking function accepts `never`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskSpec = TaskSpec<string, any, string, string>;

/** Identity helper that keeps each kind's literal types while checking the spec's shape. */
export const defineTask = <
  K extends string,
  T extends TargetBase<K>,
  L extends string,
  M extends string,
>(
  spec: TaskSpec<K, T, L, M>,
): TaskSpec<K, T, L, M> => spec;

/** The number of values one sample's target holds; undefined for a ragged layout. */
export const layoutSize = (layout: TargetLayout): number | undefined =>
  layout.form === 'dense' ? layout.shape.reduce((a, b) => a * b, 1) : undefined;

/** Names in a sentence, the first few: "a, b, c, …". */
export const listNames = (items: readonly string[], max = 6): string =>
  items.length > max ? `${items.slice(0, max).join(', ')}, …` : items.join(', ');

/** A probability as the gallery prints it: "87%", "99.8%". */
export const percent = (p: number | undefined) =>
  `${((p ?? 0) * 100).toFixed(p !== undefined && p > 0.995 ? 1 : 0)}%`;
/** Numbers to three significant digits: "0.5, 0.125". */
export const shortNumbers = (values: readonly number[]) =>
  values.map((v) => Number(v.toPrecision(3))).join(', ');
