import { thousands } from '../format.ts';
import { MAX_OBJECTS } from './object-rows.ts';

/** What an imported dataset's objects target keeps, as its summary counts it. */
export interface ObjectCounts {
  readonly count: number;
  /** Crowds and difficult objects: kept, but neither learned nor scored. */
  readonly ignored: number;
  /** Images with more than MAX_OBJECTS objects, and the objects they left out in all. */
  readonly crowdedImages: number;
  readonly leftOut: number;
  /** Background images: no objects, or only ignored ones. */
  readonly background?: number;
  /** Those of them without a label file (YOLO), read as background as Ultralytics reads them. */
  readonly noLabelFile?: number;
}

/** Images without objects that an import kept, and how many of them had no label file (YOLO). */
export interface BackgroundImages {
  readonly images: number;
  readonly noLabelFile: number;
}

/**
 * "12 objects (2 ignored: crowds or difficult) for a detection head; 1 image has more than 100,
 * and keeps the 100 largest, leaving out 3." The import summary and the app say it alike.
 */
export function objectsLine(objects: ObjectCounts): string {
  const ignored =
    objects.ignored > 0 ? ` (${thousands(objects.ignored)} ignored: crowds or difficult)` : '';
  const crowded =
    objects.crowdedImages > 0
      ? `; ${thousands(objects.crowdedImages)} ${objects.crowdedImages === 1 ? 'image has' : 'images have'} more than ${MAX_OBJECTS}, and keep${objects.crowdedImages === 1 ? 's' : ''} the ${MAX_OBJECTS} largest, leaving out ${thousands(objects.leftOut)}`
      : '';
  const line = `${thousands(objects.count)} objects${ignored} for a detection head${crowded}.`;
  const background = objects.background ?? 0;
  return background > 0
    ? `${line} ${backgroundLine({ images: background, noLabelFile: objects.noLabelFile ?? 0 })}`
    : line;
}

/**
 * What became of the images without objects, in one sentence: before training (`use` absent)
 * what each head does with them, in a run whether they were kept for its detection head or left
 * out because a class or box head has no label for them.
 */
export function backgroundLine(background: BackgroundImages, use?: 'kept' | 'left-out'): string {
  const { images, noLabelFile } = background;
  const one = images === 1;
  const without =
    noLabelFile > 0
      ? ` (${thousands(noLabelFile)} without a label file, which YOLO reads as no objects)`
      : '';
  const subject = `${thousands(images)} ${one ? 'image has' : 'images have'} no objects or only ignored ones${without}`;
  switch (use) {
    case undefined:
      return `${subject}: a detection head learns ${one ? 'it' : 'them'} as background; a class or box head leaves ${one ? 'it' : 'them'} out, having no label for ${one ? 'it' : 'them'}.`;
    case 'kept':
      return `${subject}: kept as background for the detection head.`;
    case 'left-out':
      return `${subject}: left out, because a class or box head has no label for an image without objects.`;
  }
}
