import { describe, expect, it } from 'vitest';
import {
  badRowHeadline,
  badRowKindName,
  boxUnitsText,
  formatName,
  imagesText,
  objectText,
  optionsSummary,
  splitText,
  unlearnedClassesText,
} from './summary-text.ts';
import { defaultDatasetOptions } from './import-draft.ts';

describe('summary sentences', () => {
  it('name the format, the images per split and how they were split', () => {
    expect(formatName('voc')).toBe('Pascal VOC');
    expect(imagesText({ images: { train: 24, validation: 3, test: 3 } })).toBe(
      '24 train / 3 validation / 3 test (30 images)',
    );
    expect(splitText({ splitFrom: 'ratio' }, defaultDatasetOptions())).toBe(
      'Split by the seed, class by class: 10% validation, 10% test (the data names no split).',
    );
    expect(splitText({ splitFrom: 'data' }, defaultDatasetOptions())).toBe(
      'Split as the data itself says.',
    );
  });

  it('say which object heads learn, and how boxes were given', () => {
    expect(objectText({ objectChoice: 'largest', multiObjectImages: 0 })).toBe(
      'One object per image; heads learn the largest object of each.',
    );
    expect(objectText({ objectChoice: 'first', multiObjectImages: 3 })).toBe(
      '3 images with several objects; heads learn the first object of each.',
    );
    expect(
      objectText({
        objectChoice: 'largest',
        multiObjectImages: 1,
        objects: { count: 100, ignored: 2, crowdedImages: 1, leftOut: 5 },
      }),
    ).toBe(
      '1 image with several objects; a box head learns the largest object of each; 100 objects (2 ignored: crowds or difficult) for a detection head; 1 image has more than 100, and keeps the 100 largest, leaving out 5.',
    );
    expect(
      objectText({
        objectChoice: 'largest',
        multiObjectImages: 0,
        objects: { count: 9, ignored: 0, crowdedImages: 0, leftOut: 0, background: 1 },
      }),
    ).toBe(
      'One object per image; heads learn the largest object of each. 1 image has no objects or only ignored ones: a detection head learns it as background; a class or box head leaves it out, having no label for it.',
    );
    expect(boxUnitsText({ boxUnits: { units: 'pixels', how: 'detected' } })).toBe(
      'pixels (detected)',
    );
    expect(boxUnitsText({})).toBeUndefined();
  });

  it('sum the options up in one line', () => {
    const options = defaultDatasetOptions();
    expect(optionsSummary(options)).toBe(
      'format detected · letterbox · 10% validation, 10% test · skip bad rows · no augmentation',
    );
    expect(
      optionsSummary({
        ...options,
        format: 'yolo',
        onBadRows: 'stop',
        augment: { ...options.augment, flip: true, shift: 0.1 },
      }),
    ).toBe(
      'YOLO · letterbox · 10% validation, 10% test · stop at a bad row · augment: flip, shift 10%',
    );
  });

  it('count the bad rows by kind', () => {
    expect(badRowKindName('unreadable-image')).toBe('Unreadable image');
    expect(badRowHeadline({ 'missing-file': 2, 'box-clipped': 1 }, 3)).toBe(
      '3 bad rows: 2 missing file, 1 box clipped.',
    );
    expect(badRowHeadline({}, 0)).toBe('No bad rows: every row and image was read.');
  });

  it('say which classes no image teaches, and why', () => {
    const counts = (train: number) => ({ train, validation: 0, test: 0 });
    const classes = [
      { name: 'circle', ...counts(3) },
      { name: 'star', ...counts(0) },
    ];
    expect(unlearnedClassesText({ classes, objectChoice: 'largest', multiObjectImages: 6 })).toBe(
      "No image teaches 'star': it occurs only on objects the heads do not learn (they learn the largest object of each image); the class head keeps an output for it that nothing trains.",
    );
    expect(
      unlearnedClassesText({
        classes: [...classes, { name: 'ring', ...counts(0) }],
        objectChoice: 'first',
        multiObjectImages: 0,
      }),
    ).toBe(
      "No image teaches 'star' and 'ring': no label uses them; the class head keeps an output for them that nothing trains.",
    );
    expect(
      unlearnedClassesText({
        classes: classes.slice(0, 1),
        objectChoice: 'largest',
        multiObjectImages: 0,
      }),
    ).toBeUndefined();
  });
});
