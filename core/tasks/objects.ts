import { z } from 'zod';
import { decodeDetections, detectionChannels } from '../detection/decode.ts';
import { cocoApAccumulator, decodeOptionsOf, mapGeometry } from '../detection/map-metric.ts';
import { MAX_OBJECTS, OBJECT_FIELDS, readObjectRows } from '../detection/object-rows.ts';
import { defineTask, listNames, percent, type GalleryObject } from './task.ts';

export { MAX_OBJECTS, OBJECT_FIELDS } from '../detection/object-rows.ts';

/**
 * Every object of an image, each a class and a box (detection). One image's target is a block
 * of MAX_OBJECTS rows [class index, xmin, ymin, xmax, ymax, ignore] (core/detection/object-rows.ts);
 * a detection head learns it as CenterNet maps and is scored with COCO's box AP.
 */
export const objectsTask = defineTask({
  kind: 'objects',
  word: 'an objects',
  target: z.object({
    name: z.string(),
    kind: z.literal('objects'),
    classes: z.array(z.string()),
  }),
  layout: () => ({ form: 'dense', shape: [MAX_OBJECTS, OBJECT_FIELDS] }),
  storage: 'values',
  movesWithImage: 'objects',
  losses: ['centerNet'],
  defaultLoss: 'centerNet',
  metrics: {
    mAP50: {
      label: 'mAP@0.5',
      doc: 'COCO box AP at IoU 0.5, mean over classes',
      direction: 'higher',
      keras: 'map50',
      scale: 'ratio',
      create: (_width, shape, params, scope) => cocoApAccumulator(shape, params, 1, scope),
    },
    mAP50_95: {
      label: 'mAP@0.5:0.95',
      doc: 'COCO box AP averaged over IoU 0.5 to 0.95, mean over classes',
      direction: 'higher',
      keras: 'map50_95',
      scale: 'ratio',
      create: (_width, shape, params, scope) => cocoApAccumulator(shape, params, 0, scope),
    },
  },
  summary: (t) =>
    `objects of ${t.classes.length} classes: ${listNames(t.classes)}; up to ${MAX_OBJECTS} per image`,
  checkHead: (target, shape) => {
    const channels = shape[2];
    const want = detectionChannels(target.classes.length);
    if (shape.length !== 3)
      return `outputs [${shape.join(', ')}] but detection needs a feature map`;
    return channels === want
      ? undefined
      : `has ${String(channels)} channels per position but the objects have ${target.classes.length} classes (${listNames(target.classes)}), which need ${want} (a heatmap per class, size and offset); set classes to ${target.classes.length}`;
  },
  outputNames: (t) => t.classes,
  gallery: ({ truth, prediction, classes, shape, params }) => {
    const name = (i: number) => classes?.[i] ?? String(i);
    const truthObjects: GalleryObject[] = readObjectRows(truth).map((o) => ({
      box: o.box,
      label: name(o.classIndex),
      ...(o.ignore ? { ignore: true } : {}),
    }));
    const options = decodeOptionsOf(params);
    const geometry = mapGeometry(shape ?? [1, 1, (classes?.length ?? 0) + 4]);
    // Down to a low floor, so the slider can show what the head's threshold hides.
    const found = decodeDetections(
      { values: prediction, at: 0, ...geometry },
      { ...options, threshold: Math.min(options.threshold, 0.05) },
    );
    const predicted: GalleryObject[] = found.map((d) => ({
      box: d.box,
      label: name(d.classIndex),
      score: d.score,
    }));
    const shown = found.filter((d) => d.score >= options.threshold).length;
    const top = found[0];
    return {
      text: `${truthObjects.length} objects · ${shown} found${top ? ` (best ${name(top.classIndex)} ${percent(top.score)})` : ''}`,
      objects: { truth: truthObjects, prediction: predicted, threshold: options.threshold },
    };
  },
});
