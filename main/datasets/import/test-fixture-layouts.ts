/**
 * Test support: writes the fixture's images and annotations in each import layout (CSV, COCO,
 * YOLO, Pascal VOC, image folders), with the broken rows each layout can express.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import type { SplitName } from '../types.ts';
import type {
  BrokenThing,
  FixtureDataset,
  FixtureExtra,
  FixtureImage,
  FixtureSpec,
  ImageWriter,
} from './test-fixtures.ts';
import { FIXTURE_CLASSES, writeRectanglesPng } from './test-fixtures.ts';
import type { ImportFormat, PixelBox } from './types.ts';

export interface LayoutInput {
  readonly dir: string;
  readonly spec: FixtureSpec;
  readonly good: readonly FixtureImage[];
  readonly extras: readonly FixtureExtra[];
  /** File names of background images (no objects) to add. */
  readonly background: readonly string[];
  readonly writeImage: ImageWriter;
}

/** A grey image without objects, for a background image. */
const writeBackground = (file: string, spec: FixtureSpec) => {
  const { width, height } = sizeOf(spec);
  return writeRectanglesPng(file, width, height, []);
};

type Written = Omit<FixtureDataset, 'format' | 'background'>;
type Mention = { kind: BrokenThing; mention: string };

const SPLIT_FOLDERS: Readonly<Record<SplitName, string>> = {
  train: 'train',
  validation: 'val',
  test: 'test',
};

async function writeText(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

const sizeOf = (spec: FixtureSpec) => ({ width: spec.width ?? 48, height: spec.height ?? 40 });

async function writeCsv({
  dir,
  spec,
  good,
  extras,
  background,
  writeImage,
}: LayoutInput): Promise<Written> {
  const { width, height } = sizeOf(spec);
  const withSizes = extras.some((e) => e.kind === 'size-mismatch');
  const header = ['path', 'class', 'xmin', 'ymin', 'xmax', 'ymax'];
  if (spec.splits) header.push('split');
  if (spec.values) header.push('area', 'aspect');
  if (withSizes) header.push('width', 'height');
  const rows: string[][] = [header];
  const coordinates = (box: PixelBox) =>
    spec.normalized
      ? [box[0] / width, box[1] / height, box[2] / width, box[3] / height].map(String)
      : box.map(String);
  const row = (
    name: string,
    className: string,
    box: readonly string[],
    extra: { split?: string; values?: readonly string[]; size?: readonly string[] } = {},
  ) => {
    const cells = [name, className, ...box];
    if (spec.splits) cells.push(extra.split ?? '');
    if (spec.values) cells.push(...(extra.values ?? ['0.5', '1']));
    if (withSizes) cells.push(...(extra.size ?? [String(width), String(height)]));
    rows.push(cells);
    return rows.length;
  };
  for (const image of good) {
    await writeImage(join(dir, image.name), image, spec);
    for (const object of image.objects) {
      row(image.name, object.className, coordinates(object.box), {
        ...(image.split ? { split: image.split } : {}),
        values: [String(image.values.area ?? 0), String(image.values.aspect ?? 0)],
      });
    }
  }
  for (const name of background) {
    await writeBackground(join(dir, name), spec);
    row(name, '', ['', '', '', '']);
  }
  const broken: Mention[] = [];
  const at = (line: number) => `row ${line} of labels.csv`;
  for (const extra of extras) {
    const box = coordinates(extra.box ?? [0, 0, 1, 1]);
    await writeImage(join(dir, extra.name), extra, spec);
    switch (extra.kind) {
      case 'unknown-class':
        continue;
      case 'duplicate':
        rows.push([...(rows[1] ?? [])]);
        broken.push({ kind: extra.kind, mention: at(rows.length) });
        continue;
      case 'not-a-number':
        broken.push({
          kind: extra.kind,
          mention: at(row(extra.name, 'blue', ['abc', ...box.slice(1)])),
        });
        continue;
      case 'malformed':
        broken.push({ kind: extra.kind, mention: at(row(extra.name, '', box)) });
        continue;
      case 'no-objects':
        row(extra.name, 'blue', ['', '', '', '']);
        break;
      case 'size-mismatch':
        row(extra.name, 'blue', box, { size: [String(width * 2), String(height * 2)] });
        break;
      default:
        row(extra.name, 'blue', box);
    }
    broken.push({ kind: extra.kind, mention: extra.name });
  }
  const path = join(dir, 'labels.csv');
  await writeText(path, `${rows.map((r) => r.join(',')).join('\n')}\n`);
  return { path, images: good, broken };
}

async function writeCoco({
  dir,
  spec,
  good,
  extras,
  background,
  writeImage,
}: LayoutInput): Promise<Written> {
  const { width, height } = sizeOf(spec);
  const images: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const bbox = (box: PixelBox) => [box[0], box[1], box[2] - box[0], box[3] - box[1]];
  const annotate = (imageId: number, categoryId: number, value: unknown) => {
    annotations.push({
      id: annotations.length + 1,
      image_id: imageId,
      category_id: categoryId,
      bbox: value,
      iscrowd: 0,
    });
    return annotations.length;
  };
  for (const image of good) {
    await writeImage(join(dir, 'images', image.name), image, spec);
    images.push({ id: images.length + 1, file_name: image.name, width, height });
    for (const object of image.objects)
      annotate(images.length, object.classIndex + 1, bbox(object.box));
  }
  for (const name of background) {
    await writeBackground(join(dir, 'images', name), spec);
    images.push({ id: images.length + 1, file_name: name, width, height });
  }
  const broken: Mention[] = [];
  for (const extra of extras) {
    await writeImage(join(dir, 'images', extra.name), extra, spec);
    const id = images.length + 1;
    const box = bbox(extra.box ?? [0, 0, 1, 1]);
    switch (extra.kind) {
      case 'duplicate':
        broken.push({
          kind: extra.kind,
          mention: `annotation ${annotate(1, Number(annotations[0]?.category_id), annotations[0]?.bbox)}`,
        });
        continue;
      case 'malformed':
        images.push({ id, width, height });
        broken.push({ kind: extra.kind, mention: `image ${id}` });
        continue;
      case 'unknown-class':
        images.push({ id, file_name: extra.name, width, height });
        broken.push({ kind: extra.kind, mention: `annotation ${annotate(id, 99, box)}` });
        continue;
      case 'not-a-number':
        images.push({ id, file_name: extra.name, width, height });
        broken.push({
          kind: extra.kind,
          mention: `annotation ${annotate(id, 1, ['abc', ...box.slice(1)])}`,
        });
        continue;
      case 'no-objects':
        // Its one object has no area: an image with objects, none usable (one without any is a
        // background image, which is kept).
        images.push({ id, file_name: extra.name, width, height });
        annotate(id, 1, [box[0], box[1], 0, box[3]]);
        break;
      case 'size-mismatch':
        images.push({ id, file_name: extra.name, width: width * 2, height: height * 2 });
        annotate(id, 1, box);
        break;
      default:
        images.push({ id, file_name: extra.name, width, height });
        annotate(id, 1, box);
    }
    broken.push({ kind: extra.kind, mention: extra.name });
  }
  const categories = FIXTURE_CLASSES.map((name, i) => ({
    id: i + 1,
    name,
    supercategory: 'colour',
  }));
  const path = join(dir, 'annotations.json');
  await writeText(path, JSON.stringify({ images, annotations, categories }, null, 1));
  return { path, images: good, broken };
}

async function writeYolo({
  dir,
  spec,
  good,
  extras,
  background,
  writeImage,
}: LayoutInput): Promise<Written> {
  const { width, height } = sizeOf(spec);
  const sideBySide = spec.yoloLayout === 'side-by-side';
  const imageDir = sideBySide ? dir : join(dir, 'images');
  const labelDir = sideBySide ? dir : join(dir, 'labels');
  const labelName = (sub: string, name: string) => join(sub, name.replace(/\.png$/, '.txt'));
  const line = (classIndex: number | string, box: PixelBox) => {
    const cx = (box[0] + box[2]) / 2 / width;
    const cy = (box[1] + box[3]) / 2 / height;
    return `${classIndex} ${cx} ${cy} ${(box[2] - box[0]) / width} ${(box[3] - box[1]) / height}`;
  };
  const images: FixtureImage[] = [];
  for (const image of good) {
    const sub = image.split ? SPLIT_FOLDERS[image.split] : '';
    await writeImage(join(imageDir, sub, image.name), image, spec);
    const lines = image.objects.map((o) => line(o.classIndex, o.box));
    if (image === good[0] && extras.some((e) => e.kind === 'duplicate')) lines.push(lines[0] ?? '');
    await writeText(join(labelDir, labelName(sub, image.name)), `${lines.join('\n')}\n`);
    images.push({ ...image, key: sub ? `${sub}/${image.name}` : image.name });
  }
  for (const [i, name] of background.entries()) {
    await writeBackground(join(imageDir, name), spec);
    const withoutLabel = spec.backgroundWithoutLabel && i === background.length - 1;
    if (!withoutLabel) await writeText(join(labelDir, labelName('', name)), '');
  }
  const broken: Mention[] = [];
  for (const extra of extras) {
    const label = labelName('', extra.name);
    const box = extra.box ?? [0, 0, 1, 1];
    const text = {
      'unknown-class': line(7, box),
      'not-a-number': `0 abc 0.5 0.2 0.2`,
      malformed: '0 0.5 0.5',
      // Its one object has no area (an image without any is a background image, which is kept).
      'no-objects': `0 0.5 0.5 0 0.2`,
    }[extra.kind as string];
    if (extra.kind === 'size-mismatch') continue;
    if (extra.kind === 'duplicate') {
      const first = good[0];
      broken.push({
        kind: extra.kind,
        mention: `${labelName('', first?.name ?? '')} line ${(first?.objects.length ?? 0) + 1}`,
      });
      continue;
    }
    if (extra.kind !== 'missing-file') await writeImage(join(imageDir, extra.name), extra, spec);
    await writeText(join(labelDir, label), `${text ?? line(0, box)}\n`);
    const mention =
      text !== undefined && extra.kind !== 'no-objects'
        ? `${label} line 1`
        : extra.kind === 'missing-file'
          ? label
          : extra.name;
    broken.push({ kind: extra.kind, mention });
  }
  if (spec.yoloNames === 'data.yaml') {
    await writeText(
      join(dir, 'data.yaml'),
      stringifyYaml({
        path: '.',
        train: 'images',
        names: Object.fromEntries(FIXTURE_CLASSES.map((n, i) => [i, n])),
      }),
    );
  } else {
    await writeText(join(dir, 'classes.txt'), `${FIXTURE_CLASSES.join('\n')}\n`);
  }
  return { path: dir, images, broken };
}

function vocXml(
  name: string,
  size: readonly number[],
  objects: readonly { name: string; corners: readonly (number | string)[] }[],
) {
  const objectXml = objects.map(
    ({ name: className, corners }) =>
      `  <object>\n    <name>${className}</name>\n    <difficult>0</difficult>\n    <bndbox>\n${['xmin', 'ymin', 'xmax', 'ymax'].map((c, i) => `      <${c}>${corners[i]}</${c}>`).join('\n')}\n    </bndbox>\n  </object>\n`,
  );
  return `<annotation>\n  <folder>JPEGImages</folder>\n  <filename>${name}</filename>\n  <size>\n    <width>${size[0]}</width>\n    <height>${size[1]}</height>\n    <depth>3</depth>\n  </size>\n${objectXml.join('')}</annotation>\n`;
}

/** VOC counts pixels from 1, both ends included. */
const vocCorners = (box: PixelBox) => [box[0] + 1, box[1] + 1, box[2], box[3]];

async function writeVoc({
  dir,
  spec,
  good,
  extras,
  background,
  writeImage,
}: LayoutInput): Promise<Written> {
  const { width, height } = sizeOf(spec);
  const duplicate = extras.some((e) => e.kind === 'duplicate');
  const lists: Record<SplitName, string[]> = { train: [], validation: [], test: [] };
  const xmlPath = (name: string) => join(dir, 'Annotations', name.replace(/\.png$/, '.xml'));
  for (const image of good) {
    await writeImage(join(dir, 'JPEGImages', image.name), image, spec);
    const objects = image.objects.map((o) => ({ name: o.className, corners: vocCorners(o.box) }));
    if (duplicate && image === good[0] && objects[0]) objects.push(objects[0]);
    await writeText(xmlPath(image.name), vocXml(image.name, [width, height], objects));
    if (image.split) lists[image.split].push(image.name.replace(/\.png$/, ''));
  }
  if (spec.splits) {
    for (const [split, file] of [
      ['train', 'train'],
      ['validation', 'val'],
      ['test', 'test'],
    ] as const) {
      await writeText(
        join(dir, 'ImageSets', 'Main', `${file}.txt`),
        `${lists[split].join('\n')}\n`,
      );
    }
  }
  for (const name of background) {
    await writeBackground(join(dir, 'JPEGImages', name), spec);
    await writeText(xmlPath(name), vocXml(name, [width, height], []));
  }
  const broken: Mention[] = [];
  for (const extra of extras) {
    const xml = extra.name.replace(/\.png$/, '.xml');
    const corners = vocCorners(extra.box ?? [0, 0, 1, 1]);
    let mention = extra.name;
    if (extra.kind === 'unknown-class') continue;
    if (extra.kind === 'duplicate') {
      const first = good[0];
      broken.push({
        kind: extra.kind,
        mention: `${first?.name.replace(/\.png$/, '.xml')} object ${(first?.objects.length ?? 0) + 1}`,
      });
      continue;
    }
    await writeImage(join(dir, 'JPEGImages', extra.name), extra, spec);
    if (extra.kind === 'malformed') {
      await writeText(
        xmlPath(extra.name),
        `<annotation><filename>${extra.name}</filename><object>`,
      );
      mention = xml;
    } else {
      // The no-objects image's one object has no area (an image without any is a background
      // image, which is kept).
      const written =
        extra.kind === 'not-a-number'
          ? ['abc', ...corners.slice(1)]
          : extra.kind === 'no-objects'
            ? [corners[0] ?? 0, corners[1] ?? 0, (corners[0] ?? 1) - 1, corners[3] ?? 0]
            : corners;
      const objects = [{ name: 'blue', corners: written }];
      const size = extra.kind === 'size-mismatch' ? [width * 2, height * 2] : [width, height];
      await writeText(xmlPath(extra.name), vocXml(extra.name, size, objects));
      if (extra.kind === 'not-a-number') mention = `${xml} object 1`;
    }
    broken.push({ kind: extra.kind, mention });
  }
  return { path: dir, images: good, broken };
}

async function writeFolders({
  dir,
  spec,
  good,
  extras,
  writeImage,
}: LayoutInput): Promise<Written> {
  const images: FixtureImage[] = [];
  for (const image of good) {
    const key = [image.split ? SPLIT_FOLDERS[image.split] : '', image.className, image.name]
      .filter((p) => p !== '')
      .join('/');
    await writeImage(join(dir, key), { ...image, objects: image.objects.slice(0, 1) }, spec);
    images.push({ ...image, key });
  }
  const top = spec.splits ? join(dir, 'train') : dir;
  const broken: Mention[] = [];
  for (const extra of extras) {
    if (extra.kind === 'unreadable-image')
      await writeImage(join(top, 'blue', extra.name), extra, spec);
    else if (extra.kind === 'malformed') await writeImage(join(top, extra.name), extra, spec);
    else continue;
    broken.push({ kind: extra.kind, mention: extra.name });
  }
  return { path: dir, images, broken };
}

export function writeLayout(input: LayoutInput, format: ImportFormat): Promise<Written> {
  switch (format) {
    case 'csv':
      return writeCsv(input);
    case 'coco':
      return writeCoco(input);
    case 'yolo':
      return writeYolo(input);
    case 'voc':
      return writeVoc(input);
    case 'folder':
      return writeFolders(input);
  }
}
