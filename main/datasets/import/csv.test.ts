import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.ts';
import { readCsv } from './csv.ts';
import { FIXTURE_CLASSES, temporaryFolders, writeFixtureDataset } from './test-fixtures.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

/** A CSV file with these lines in a fresh folder; the images need not exist to read it. */
async function csvFile(lines: readonly string[], name = 'labels.csv'): Promise<string> {
  const path = join(await folders.make(), name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('the CSV reader', () => {
  it('reads the fixture: paths, classes, pixel boxes, detected units', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'csv', { multiObject: true });
    const index = await readCsv(fixture.path);
    expect(index.format).toBe('csv');
    expect(index.classes).toEqual(FIXTURE_CLASSES);
    expect(index.hasBoxes).toBe(true);
    expect(index.boxUnits).toEqual({ units: 'pixels', how: 'detected' });
    expect(index.records.map((r) => r.key)).toEqual(fixture.images.map((i) => i.key));
    const second = index.records[1];
    expect(second?.objects.map((o) => o.box)).toEqual(fixture.images[1]?.objects.map((o) => o.box));
    expect(second?.where).toBe('row 3 of labels.csv');
    expect(second?.objects[1]?.where).toBe('row 4 of labels.csv');
    expect(index.badRows).toEqual([]);
  });

  it('picks the delimiter outside quotes, and strips the apostrophe a spreadsheet hides', async () => {
    const path = await csvFile([
      'path,class,"a;b;c;d",\'=total',
      `a.png,'=cmd,1,'-2`,
      `b.png,"''@x",2,3`,
      `c.png,'plain,3,4`,
    ]);
    const index = await readCsv(path);
    expect(index.valueColumns).toEqual(['a;b;c;d', '=total']);
    expect(index.records.map((r) => [r.objects[0]?.className, r.values['=total']])).toEqual([
      ['=cmd', -2],
      ["'@x", 3],
      ["'plain", 4],
    ]);
  });

  it('says a cell too large for a number is not a finite one', async () => {
    const path = await csvFile(['path,class,xmin,ymin,xmax,ymax', 'a.png,cat,1e999,0,5,5']);
    expect((await readCsv(path)).badRows.map((r) => r.message)).toEqual([
      "Row 2 of labels.csv has '1e999' in column 'xmin', which is too large to be a finite number; the row was skipped.",
    ]);
  });

  it('detects boxes given as fractions, and obeys stated units', async () => {
    const fixture = await writeFixtureDataset(await folders.make(), 'csv', { normalized: true });
    const detected = await readCsv(fixture.path);
    expect(detected.boxUnits).toEqual({ units: 'normalized', how: 'detected' });
    expect(detected.records[0]?.objects[0]?.unitBox).toBeDefined();
    expect(detected.records[0]?.objects[0]?.box).toBeUndefined();
    const stated = await readCsv(fixture.path, { boxUnits: 'pixels' });
    expect(stated.boxUnits).toEqual({ units: 'pixels', how: 'stated' });
    expect(stated.records[0]?.objects[0]?.box).toBeDefined();
  });

  it('takes value columns, the split and the image size, and leaves words and ids alone', async () => {
    const path = await csvFile([
      'id;Image Path;Label;x_min;y_min;x_max;y_max;width;height;split;age;note',
      '1;a.png;cat;1;2;30;40;64;48;train;3.5;old',
      '2;b.png;dog;;;;;;;val;7;',
      '3;c.png;dog;0;0;10;10;64;48;;1e1;x',
    ]);
    const index = await readCsv(path);
    expect(index.valueColumns).toEqual(['age']);
    expect(index.records.map((r) => [r.key, r.split, r.values.age, r.width])).toEqual([
      ['a.png', 'train', 3.5, 64],
      ['b.png', 'validation', 7, undefined],
      ['c.png', undefined, 10, 64],
    ]);
    expect(index.records[1]?.objects).toEqual([{ className: 'dog', where: 'row 3 of labels.csv' }]);
    expect(index.classes).toEqual(['cat', 'dog']);
  });

  it('reads a classification CSV without boxes', async () => {
    const index = await readCsv(await csvFile(['filename,category', 'x\\a.png,b', 'y.png,a']));
    expect(index.hasBoxes).toBe(false);
    expect(index.boxUnits).toBeUndefined();
    expect(index.records.map((r) => r.key)).toEqual(['x/a.png', 'y.png']);
    expect(index.classes).toEqual(['a', 'b']);
  });

  it('tells each bad row by row number and column', async () => {
    const path = await csvFile([
      'path,class,xmin,ymin,xmax,ymax,score',
      'a.png,cat,1,2,3,4,0.5',
      'a.png,cat,1,2,3,4,0.5',
      'b.png,cat,one,2,3,4,0.5',
      'c.png,cat,1,2,,4,0.5',
      'd.png,cat,1,2,3,4,n/a',
      ',cat,1,2,3,4,0.5',
      'e.png,,1,2,3,4,0.5',
      'f.png,cat,1,2,3,4,0.5',
      'f.png,dog,,,,,0.5',
      'g.png,cat,1,2,3,4,0.5',
    ]);
    const index = await readCsv(path);
    expect(index.badRows.map((r) => [r.kind, r.where])).toEqual([
      ['duplicate', 'row 3 of labels.csv'],
      ['not-a-number', 'row 4 of labels.csv'],
      ['not-a-number', 'row 5 of labels.csv'],
      ['not-a-number', 'row 6 of labels.csv'],
      ['malformed', 'row 7 of labels.csv'],
      ['malformed', 'row 8 of labels.csv'],
      ['duplicate', 'row 10 of labels.csv'],
    ]);
    const messages = index.badRows.map((r) => r.message);
    expect(messages[0]).toBe('Row 3 of labels.csv repeats row 2 exactly; the row was skipped.');
    expect(messages[1]).toBe(
      "Row 4 of labels.csv has 'one' in column 'xmin', which is not a number; the row was skipped.",
    );
    expect(messages[2]).toBe(
      "Row 5 of labels.csv has no value in column 'xmax'; the row was skipped.",
    );
    expect(messages[3]).toContain("'n/a' in column 'score'");
    expect(index.records.map((r) => r.key)).toEqual(['a.png', 'f.png', 'g.png']);
  });

  it('says in one sentence which column is missing', async () => {
    const noPath = await csvFile(['name,class', 'a.png,cat']);
    await expect(readCsv(noPath)).rejects.toThrow(
      /labels\.csv has no column for the image path: name one 'path', 'image', 'file', 'filename' \(its columns are 'name', 'class'\)\./,
    );
    const noClass = await csvFile(['path,xmin', 'a.png,1']);
    await expect(readCsv(noClass)).rejects.toThrow(/has no column for the class/);
    const halfBox = await csvFile(['path,class,xmin,ymin', 'a.png,cat,1,2']);
    await expect(readCsv(halfBox)).rejects.toThrow(
      "labels.csv has box columns 'xmin', 'ymin' but not 'xmax', 'ymax': a box needs all of xmin, ymin, xmax and ymax.",
    );
    const error = await readCsv(noPath).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).code).toBe('E_DATASET_COLUMNS');
  });

  it('says when the file is not CSV at all', async () => {
    const broken = await csvFile(['path,class', '"a.png,cat']);
    await expect(readCsv(broken)).rejects.toThrow(/^labels\.csv is not a readable CSV file: /);
    await expect(readCsv(join(await folders.make(), 'none.csv'))).rejects.toThrow(
      /^There is no file or folder at '.*none\.csv'\.$/,
    );
  });

  it('reads further label columns as tasks and marked 0/1 columns as one attributes task', async () => {
    const path = await csvFile([
      'path,class,colour,style,smiling,glasses,note',
      'a.png,cat,red,plain,1,0,old',
      'b.png,dog,blue,plain,0,0,',
      'c.png,dog,red,fancy,1,1,x',
      'd.png,cat,red,fancy,2,1,y',
    ]);
    const plain = await readCsv(path);
    // Unmarked, 0/1 columns are values; the note (words in some rows) is left alone.
    expect(plain.valueColumns).toEqual(['smiling', 'glasses']);
    expect(plain.labelTasks).toEqual([
      { name: 'colour', classes: ['blue', 'red'] },
      { name: 'style', classes: ['fancy', 'plain'] },
    ]);
    expect(plain.attributes).toBeUndefined();
    const marked = await readCsv(path, { attributes: ['smiling', 'glasses'] });
    expect(marked.valueColumns).toEqual([]);
    expect(marked.attributes).toEqual({ name: 'attributes', names: ['smiling', 'glasses'] });
    expect(
      marked.records.map((r) => [r.key, r.labels?.colour, r.values.smiling, r.values.glasses]),
    ).toEqual([
      ['a.png', 'red', 1, 0],
      ['b.png', 'blue', 0, 0],
      ['c.png', 'red', 1, 1],
    ]);
    expect(marked.badRows.map((b) => b.message)).toEqual([
      "Row 5 of labels.csv has '2' in the attribute column 'smiling', which is not 0 or 1; the row was skipped.",
    ]);
    await expect(readCsv(path, { attributes: ['hat'] })).rejects.toThrow(
      "labels.csv has no column 'hat' to read as an attribute (its columns are 'path', 'class', 'colour', 'style', 'smiling', 'glasses', 'note').",
    );
  });

  it("reads a labels column of ';'-separated names as one attributes task", async () => {
    const path = await csvFile([
      'path,class,labels',
      'a.png,cat,smiling; hat',
      'b.png,dog,',
      'c.png,dog,glasses',
    ]);
    const index = await readCsv(path);
    expect(index.attributes).toEqual({ name: 'labels', names: ['glasses', 'hat', 'smiling'] });
    expect(index.labelTasks).toBeUndefined();
    expect(index.records.map((r) => [r.values.glasses, r.values.hat, r.values.smiling])).toEqual([
      [0, 1, 1],
      [0, 0, 0],
      [1, 0, 0],
    ]);
  });
});
