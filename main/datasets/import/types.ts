/**
 * The shared vocabulary of dataset import: what a format reader produces (an index of records
 * and a report of bad rows), what the pipeline turns it into, and the options a user sets.
 * Format readers (csv, coco, yolo, voc, folder) know nothing of decoding; the pipeline knows
 * nothing of formats.
 */
import type { DatasetTarget } from '../../../core/dataset-target.ts';
import type { BackgroundImages } from '../../../core/detection/objects-line.ts';
import type { SplitName } from '../types.ts';
import type { DepthFile } from './dense-maps.ts';

export const IMPORT_FORMATS = ['csv', 'coco', 'yolo', 'voc', 'folder'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** [xmin, ymin, xmax, ymax] in pixels of the original image. */
export type PixelBox = readonly [number, number, number, number];
/** [xmin, ymin, xmax, ymax] as fractions of the original image's width and height, in [0, 1]. */
export type UnitBox = readonly [number, number, number, number];

export interface ImportedObject {
  readonly className: string;
  /** Pixels of the original image; absent for classification-only formats. */
  readonly box?: PixelBox;
  /**
   * The box as fractions of the image, for formats that give it so (YOLO, normalised CSV): the
   * reader need not open the image, and the check pass, which does, scales it. At most one of
   * `box` and `unitBox` is set.
   */
  readonly unitBox?: UnitBox;
  /** Where the object came from when it differs from its record's: "labels/a.txt line 2". */
  readonly where?: string;
  /**
   * A COCO crowd or a VOC difficult object: a detection head neither learns nor is scored on it
   * (as COCO ignores crowds), and the single-object tasks never choose it.
   */
  readonly ignore?: boolean;
}

/** One image as an annotation file describes it, before any pixel is read. */
export interface ImportedRecord {
  /** The image's path relative to the dataset root, with '/' separators: stable, unique. */
  readonly key: string;
  /** Absolute path of the image file. */
  readonly file: string;
  /** The image size when the annotation states it (COCO, VOC); otherwise read from the file. */
  readonly width?: number;
  readonly height?: number;
  readonly objects: readonly ImportedObject[];
  /** Extra numeric columns (CSV), by column name; attributes too (0 or 1), by attribute. */
  readonly values: Readonly<Record<string, number>>;
  /** Each further label column's class name (CSV), by column name. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The split the data itself puts this image in, when it says. */
  readonly split?: SplitName;
  /** Where the record came from, for reports: "row 12", "labels/a.txt", "annotations.json image 7". */
  readonly where: string;
  /** The image's mask (class indices per pixel), for segmentation layouts. */
  readonly mask?: MaskSource;
  /** The image's depth map (CSV `depth` column). */
  readonly depth?: DepthFile;
  /** Absolute path of the image's normal map, a .npy (CSV `normals` column). */
  readonly normals?: string;
  /**
   * YOLO: no label file was found for the image. Ultralytics reads such an image as one with no
   * objects (a background image), and so does the import; the report counts them apart.
   */
  readonly noLabelFile?: boolean;
}

/**
 * Where an image's mask comes from: the absolute path of a file of class indices, or shapes to
 * draw (COCO segmentations).
 */
export type MaskSource = string | DrawnMask;

/** A mask drawn from an annotation file's shapes rather than read from an image. */
export interface DrawnMask {
  /** The annotation file, for reports: "instances.json". */
  readonly from: string;
  readonly shapes: readonly MaskShape[];
}

/** One annotation's shape and the value its pixels take: its class index, or 255 for a crowd. */
export interface MaskShape {
  readonly value: number;
  /** The parts to draw (their union); none when the segmentation is missing or unreadable. */
  readonly parts: readonly MaskPart[];
  /** [x, y, width, height]: what the mask ignores (255) when the parts cannot be drawn. */
  readonly box?: readonly [number, number, number, number];
  /** "instances.json annotation 7" */
  readonly where: string;
}

/** A polygon [x1, y1, x2, y2, …] in pixels, or column-major runs of a height × width image. */
export type MaskPart =
  | { readonly kind: 'polygon'; readonly xy: readonly number[] }
  | {
      readonly kind: 'rle';
      readonly runs: readonly number[];
      readonly height: number;
      readonly width: number;
    };

export const BAD_ROW_KINDS = [
  'missing-file',
  'unreadable-image',
  'unknown-class',
  'box-outside',
  'box-clipped',
  'box-empty',
  'duplicate',
  'not-a-number',
  'malformed',
  'no-objects',
  /** The annotation states an image size the file does not have; the file's size is used. */
  'size-mismatch',
  /** The annotation names an image outside the dataset's folder ('../../etc/passwd'). */
  'outside-folder',
] as const;
export type BadRowKind = (typeof BAD_ROW_KINDS)[number];

/** One thing wrong in the data, with where and why, as one sentence. */
export interface BadRow {
  readonly kind: BadRowKind;
  /** "row 12 of labels.csv", "labels/cat_3.txt line 2", "annotations.json annotation 41". */
  readonly where: string;
  /** The image concerned, relative to the root, when known. */
  readonly key?: string;
  /** One sentence: what is wrong and what was done (skipped, clipped, kept the first). */
  readonly message: string;
  /** 'dropped': the row or image is left out; 'fixed': kept after a repair (a clipped box). */
  readonly action: 'dropped' | 'fixed';
}

/** What a format reader hands to the pipeline. */
export interface ImportedIndex {
  readonly format: ImportFormat;
  /** The folder images are resolved against. */
  readonly root: string;
  /** The file or folder the user pointed at. */
  readonly source: string;
  /** Class names in label order (index = class index). */
  readonly classes: readonly string[];
  /** Whether the format has boxes at all (the image-folder layout does not). */
  readonly hasBoxes: boolean;
  /** Names of the extra numeric columns, in file order. */
  readonly valueColumns: readonly string[];
  /** Further label columns (CSV): each one a classification task named by its column. */
  readonly labelTasks?: readonly { readonly name: string; readonly classes: readonly string[] }[];
  /** Yes/no columns marked as attributes, or a `labels` column's names: one attributes task. */
  readonly attributes?: { readonly name: string; readonly names: readonly string[] };
  /**
   * The targets as a dataset export's targets.json lists them (CSV): the dataset offers these,
   * in this order with these classes, instead of the targets guessed from the columns.
   */
  readonly targets?: readonly DatasetTarget[];
  readonly records: readonly ImportedRecord[];
  readonly badRows: readonly BadRow[];
  /**
   * Segmentation layouts: every image has a mask. Its class names when the data names them
   * (VOC, a classes.txt); otherwise the check pass names them "class 0".. up to the largest index.
   * Such a layout has no image class: `classes` is empty and no 'class' target is offered.
   */
  readonly masks?: { readonly classes?: readonly string[] };
  /** Every image has a depth map (CSV): a 'depth' target. */
  readonly depthMaps?: boolean;
  /** Every image has a normal map (CSV): a 'normals' target. */
  readonly normalMaps?: boolean;
  /** How boxes were given, for CSV: stated or detected. */
  readonly boxUnits?: {
    readonly units: 'pixels' | 'normalized';
    readonly how: 'stated' | 'detected';
  };
}

export type ResizeMode = 'stretch' | 'letterbox';
export type ObjectChoice = 'largest' | 'first';
export type BadRowPolicy = 'skip' | 'stop';

export interface ImportOptions {
  /** Detected from the path when absent. */
  readonly format?: ImportFormat;
  /** CSV boxes: 'auto' detects normalised values (all coordinates within [0, 1]). */
  readonly boxUnits?: 'auto' | 'pixels' | 'normalized';
  /** Which object of a multi-object image the single-object tasks learn. */
  readonly objectChoice?: ObjectChoice;
  readonly resize?: ResizeMode;
  /** Fractions for validation and test when the data has no split of its own. */
  readonly validationFraction?: number;
  readonly testFraction?: number;
  readonly seed?: number;
  readonly onBadRows?: BadRowPolicy;
  readonly augment?: AugmentOptions;
  /** Keep decoded, resized images (in memory up to a limit, else on disk) for repeat epochs. */
  readonly cache?: boolean;
  /** CSV: 0/1 columns that together are one attributes task, by column name. */
  readonly attributes?: readonly string[];
  /** CSV: metres per unit of 16-bit depth PNGs (and integer .npy) without a `depth_scale` cell. */
  readonly depthScale?: number;
}

export interface AugmentOptions {
  readonly flip?: boolean;
  /** Largest shift as a fraction of the side, e.g. 0.1. */
  readonly shift?: number;
  /** Largest relative scale change, e.g. 0.1 for 0.9..1.1. */
  readonly scale?: number;
  /** Largest brightness change in [0, 1] of full range. */
  readonly brightness?: number;
  /** Largest relative contrast change, e.g. 0.2 for 0.8..1.2. */
  readonly contrast?: number;
}

/**
 * One image after the index is checked: its chosen object, class index and unit box. A background
 * image (no objects, or only ignored ones) has class index −1, no box and its objects (none but
 * ignored ones): a detection head learns it, a class or box head has no label for it.
 */
export interface Sample {
  readonly key: string;
  readonly file: string;
  /** Original size in pixels. */
  readonly width: number;
  readonly height: number;
  readonly classIndex: number;
  /** The class index of each further label column (CSV), by target name. */
  readonly labels?: Readonly<Record<string, number>>;
  /** The chosen object's box, normalised to the original image; absent without boxes. */
  readonly box?: UnitBox;
  /** Every usable object of the image, boxes normalised to the original image (the objects target). */
  readonly objects?: readonly SampleObject[];
  /** Numeric and attribute columns (0/1), by column name. */
  readonly values: Readonly<Record<string, number>>;
  readonly split: SplitName;
  /** The image's mask, checked to fit the image and the classes. */
  readonly mask?: MaskSource;
  /** The image's depth map, checked to fit the image, with its scale settled. */
  readonly depth?: DepthFile;
  /** Absolute path of the image's normal map, checked to fit the image. */
  readonly normals?: string;
}

/** Whether an index's images have maps (mask, depth, normals): then they need no class. */
export const hasMaps = (index: ImportedIndex): boolean =>
  index.masks !== undefined || index.depthMaps === true || index.normalMaps === true;

/**
 * Whether a sample is a background image: the dataset has boxes and the image no object a head
 * learns (none at all, or only crowds and difficult ones).
 */
export const isBackground = (sample: Sample): boolean =>
  sample.objects !== undefined &&
  sample.box === undefined &&
  !sample.objects.some((o) => !o.ignore);

/** One object of a sample: its class index, unit box and whether it is ignored. */
export interface SampleObject {
  readonly classIndex: number;
  readonly box: UnitBox;
  readonly ignore: boolean;
}

/** The target every format's objects give: the class of the chosen object. */
export const PRIMARY_CLASS = 'class';

/** A checked dataset: samples split three ways, the targets it offers, the report. */
export interface CheckedDataset {
  readonly index: ImportedIndex;
  readonly targets: readonly DatasetTarget[];
  readonly samples: Readonly<Record<SplitName, readonly Sample[]>>;
  /** All bad rows: the reader's and those found reading the images. */
  readonly badRows: readonly BadRow[];
  readonly objectChoice: ObjectChoice;
  /** Images with several objects, where the choice mattered. */
  readonly multiObjectImages: number;
  /**
   * Images with more objects than the objects target holds (MAX_OBJECTS), which keep their
   * largest non-ignored ones, and how many objects were left out in all.
   */
  readonly crowdedImages?: { readonly images: number; readonly objectsLeftOut: number };
  /**
   * Background images kept (no objects, or only ignored ones; see `isBackground`), and how many
   * of them had no label file (YOLO); absent when there are none.
   */
  readonly backgroundImages?: BackgroundImages;
  /** Where the split came from. */
  readonly splitFrom: 'data' | 'ratio';
}
