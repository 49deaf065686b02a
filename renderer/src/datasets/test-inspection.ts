import type { DatasetInspection } from '../../../core/contract/host.ts';

/** A 2×2 RGB picture, base64: red, green / blue, white. */
const PIXELS = btoa(String.fromCharCode(255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255));

/** An inspected CSV dataset with boxes, two classes and one bad row, for tests. */
export function sampleInspection(path = '/data/shapes/labels.csv'): DatasetInspection {
  return {
    info: {
      name: path,
      description: 'CSV: 27 images, 3 classes, boxes',
      fullSize: 27,
      targets: [
        { name: 'class', kind: 'class', classes: ['red', 'blue'] },
        { name: 'box', kind: 'box' },
      ],
    },
    summary: {
      format: 'csv',
      source: path,
      splitFrom: 'ratio',
      images: { train: 21, validation: 3, test: 3 },
      classes: [
        { name: 'red', train: 11, validation: 1, test: 2 },
        { name: 'blue', train: 10, validation: 2, test: 1 },
      ],
      boxes: {
        count: 27,
        width: { min: 0.25, mean: 0.4, max: 0.6 },
        height: { min: 0.25, mean: 0.45, max: 0.6 },
        centerX: { min: 0.2, mean: 0.5, max: 0.8 },
        centerY: { min: 0.2, mean: 0.5, max: 0.8 },
      },
      values: [],
      objectChoice: 'largest',
      multiObjectImages: 0,
      boxUnits: { units: 'pixels', how: 'detected' },
      badRowCounts: { 'missing-file': 1 },
    },
    badRows: [
      {
        kind: 'missing-file',
        where: 'row 29 of labels.csv',
        message:
          'Row 29 of labels.csv names images/missing.png, which does not exist; the row was skipped.',
        action: 'dropped',
      },
    ],
    badRowTotal: 1,
    preview: [
      {
        key: 'images/img-00.png',
        split: 'train',
        width: 2,
        height: 2,
        channels: 3,
        pixels: PIXELS,
        className: 'red',
        box: [0, 0, 0.5, 0.5],
      },
    ],
  };
}
