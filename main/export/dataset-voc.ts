/**
 * Pascal VOC as VOC2012 lays it out: the images in JPEGImages/, the boxes in Annotations/ (one
 * XML file per image) with the split in ImageSets/Main/, the masks in SegmentationClass/ with the
 * split in ImageSets/Segmentation/. A dataset with a mask and boxes gets both in one folder, as
 * VOC2012 has them.
 */
import type { ObjectRow } from '../../core/detection/object-rows.ts';
import { StudioError } from '../../core/problems.ts';
import type { SplitName, TrainingData } from '../datasets/index.ts';
import { VOC_SEGMENTATION_CLASSES } from '../datasets/import/voc-segmentation.ts';
import {
  assertClassLine,
  detectionClasses,
  hasBoxes,
  objectsOf,
  readSamples,
  SPLITS,
  type Sample,
} from './dataset-samples.ts';
import type { ExportFiles } from './files.ts';

const VOC_SPLITS: Record<SplitName, string> = { train: 'train', validation: 'val', test: 'test' };

const XML_MARKUP: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Text as XML character data: the characters XML reads as markup, escaped. */
const xmlText = (v: string): string => v.replace(/[&<>]/g, (c) => XML_MARKUP[c] ?? c);

/** Characters XML 1.0 has no way to hold, not even escaped. */
// eslint-disable-next-line no-control-regex -- control characters are what is looked for
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/**
 * A class name that classes.txt and an XML <name> both hold and read back as itself: one trimmed
 * line (assertClassLine), not a comment line, and no character XML 1.0 cannot carry.
 */
function assertVocClassName(data: TrainingData, name: string): void {
  assertClassLine(data, name, 'classes.txt');
  const why = name.startsWith('#')
    ? "starts with '#', which marks a comment line in"
    : NOT_XML.test(name)
      ? 'holds a control character, which XML cannot hold, nor'
      : undefined;
  if (why === undefined) return;
  throw new StudioError(
    'E_EXPORT_UNSUPPORTED',
    `The class ${JSON.stringify(name)} of the dataset '${data.name}' ${why} classes.txt; rename it, or export as csv.`,
  );
}

/**
 * A box's first and last pixel on one axis, counted from 1 and both included, as VOC's devkit
 * counts them: the exact inverse of the studio's import, which lowers the first by one to get
 * pixel edges. VOC's pixels are whole, so each edge rounds to the nearest one (a box drawn on
 * pixel edges reads back bit for bit); a box narrower than half a pixel keeps one pixel.
 */
function pixelSpan(low: number, high: number, side: number): [number, number] {
  const edge = (v: number) => Math.min(side, Math.max(0, Math.round(v * side)));
  const [a, b] = [edge(low), edge(high)];
  if (b > a) return [a + 1, b];
  return a < side ? [a + 1, a + 1] : [side, side];
}

/** One object as VOC writes it; an ignored object (a crowd, a difficult one) is difficult. */
function objectXml(o: ObjectRow, name: string, width: number, height: number): string {
  const [xmin, xmax] = pixelSpan(o.box[0], o.box[2], width);
  const [ymin, ymax] = pixelSpan(o.box[1], o.box[3], height);
  const corners = { xmin, ymin, xmax, ymax };
  const bndbox = Object.entries(corners)
    .map(([k, v]) => `      <${k}>${v}</${k}>\n`)
    .join('');
  return [
    '  <object>\n',
    `    <name>${xmlText(name)}</name>\n`,
    '    <pose>Unspecified</pose>\n',
    '    <truncated>0</truncated>\n',
    `    <difficult>${o.ignore ? 1 : 0}</difficult>\n`,
    `    <bndbox>\n${bndbox}    </bndbox>\n`,
    '  </object>\n',
  ].join('');
}

/** An image's annotation: its file, size and every object; a background image has no <object>. */
function annotationXml(
  data: TrainingData,
  fileName: string,
  objects: readonly ObjectRow[],
  classes: readonly string[],
  segmented: boolean,
): string {
  const [height = 0, width = 0, depth = 0] = data.imageShape;
  return [
    '<annotation>\n',
    '  <folder>JPEGImages</folder>\n',
    `  <filename>${xmlText(fileName)}</filename>\n`,
    `  <size>\n    <width>${width}</width>\n    <height>${height}</height>\n    <depth>${depth}</depth>\n  </size>\n`,
    `  <segmented>${segmented ? 1 : 0}</segmented>\n`,
    ...objects.map((o) => objectXml(o, classes[o.classIndex] ?? '', width, height)),
    '</annotation>\n',
  ].join('');
}

/** The objects a sample's annotation lists: every object, or the one box; none without a class. */
const objectsToWrite = (s: Sample): readonly ObjectRow[] =>
  objectsOf(s).filter((o) => o.classIndex >= 0);

/**
 * Pascal VOC: JPEGImages/<split>-NNNNN.png; for boxes (every object of an objects target, else
 * the class and box targets' one box) Annotations/<same id>.xml, ImageSets/Main/{train,val,test}.txt
 * and classes.txt, the class order the studio's VOC import reads back; for a mask
 * SegmentationClass/<same id>.png (palette indices, 255 ignored), ImageSets/Segmentation/ and
 * classes.txt when the classes are not VOC's own. With both, classes.txt is the mask's, as the
 * studio's import reads such a folder as masks, and the objects keep their names in the XML.
 * The images are PNG, though the folder is VOC's JPEGImages: JPEG would change their pixels, and
 * the studio's VOC import (like most VOC readers that list the folder, or read the XML's
 * filename) takes any image; a reader that asks for '<id>.jpg' by name will not find them.
 */
export async function vocFiles(data: TrainingData): Promise<ExportFiles> {
  const mask = data.targets.find((t) => t.kind === 'mask');
  const boxes = hasBoxes(data);
  if (!mask && !boxes) {
    throw new StudioError(
      'E_EXPORT_UNSUPPORTED',
      `The dataset '${data.name}' has no mask target, no objects target and no class with a box target, and a VOC dataset is masks or classes with boxes; export it as csv.`,
    );
  }
  const classes = boxes ? detectionClasses(data, 'VOC') : [];
  for (const name of [...(mask?.classes ?? []), ...classes]) assertVocClassName(data, name);
  const { samples } = await readSamples(data);
  const files: ExportFiles = new Map();
  const text = (v: string) => new TextEncoder().encode(v);
  const lists: Record<SplitName, string[]> = { train: [], validation: [], test: [] };
  for (const s of samples) {
    const id = `${s.split}-${String(s.index).padStart(5, '0')}`;
    lists[s.split].push(id);
    files.set(`JPEGImages/${id}.png`, s.png);
    const png = mask && s.files.get(String(s.row.get(mask.name)));
    if (png) files.set(`SegmentationClass/${id}.png`, png);
    if (boxes) {
      const xml = annotationXml(data, `${id}.png`, objectsToWrite(s), classes, Boolean(png));
      files.set(`Annotations/${id}.xml`, text(xml));
    }
  }
  for (const set of [...(mask ? ['Segmentation'] : []), ...(boxes ? ['Main'] : [])]) {
    for (const split of SPLITS) {
      const ids = lists[split].map((id) => `${id}\n`).join('');
      files.set(`ImageSets/${set}/${VOC_SPLITS[split]}.txt`, text(ids));
    }
  }
  const classFile = mask ? mask.classes : classes;
  const isVocs = mask !== undefined && classFile.join('\n') === VOC_SEGMENTATION_CLASSES.join('\n');
  if (!isVocs) files.set('classes.txt', text(`${classFile.join('\n')}\n`));
  return files;
}
