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
  return `${thousands(objects.count)} objects${ignored} for a detection head${crowded}.`;
}
