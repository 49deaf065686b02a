import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { temporaryFolders, writeFixtureDataset } from './test-fixtures.ts';
import { readVoc } from './voc.ts';

const folders = temporaryFolders();
afterEach(() => folders.cleanup());

async function write(dir: string, files: Readonly<Record<string, string>>) {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

const xml = (body: string) => `<annotation>${body}</annotation>`;

describe('the Pascal VOC reader', () => {
  it('reads the fixture with its ImageSets split, turning 1-based corners into pixel edges', async () => {
    const dir = await folders.make();
    const fixture = await writeFixtureDataset(dir, 'voc', { splits: true, multiObject: true });
    const index = await readVoc(fixture.path);
    expect(index.root).toBe(join(dir, 'JPEGImages'));
    expect(index.classes).toEqual(['blue', 'green', 'red']);
    expect(index.records.map((r) => [r.key, r.split])).toEqual(
      fixture.images.map((i) => [i.key, i.split]),
    );
    expect(index.records.map((r) => r.objects.map((o) => o.box))).toEqual(
      fixture.images.map((i) => i.objects.map((o) => o.box)),
    );
    expect(index.records[0]?.where).toBe('Annotations/img_000.xml');
    expect([index.records[0]?.width, index.records[0]?.height]).toEqual([48, 40]);
  });

  it('finds images beside the XML or by its name, and ignores a size of 0 × 0', async () => {
    const dir = await folders.make();
    await write(dir, {
      'Annotations/a.xml': xml(
        '<filename>a.png</filename><size><width>0</width><height>0</height></size><object><name>cat</name><bndbox><xmin>0</xmin><ymin>1</ymin><xmax>5</xmax><ymax>6</ymax></bndbox></object>',
      ),
      'Annotations/a.png': '',
      'Annotations/b.xml': xml(
        '<object><name>ant</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>',
      ),
      'JPEGImages/b.jpeg': '',
    });
    const index = await readVoc(dir);
    expect(index.root).toBe(join(dir, 'JPEGImages'));
    expect(index.classes).toEqual(['ant', 'cat']);
    expect(index.records.map((r) => [r.file, r.width])).toEqual([
      [join(dir, 'Annotations', 'a.png'), undefined],
      [join(dir, 'JPEGImages', 'b.jpeg'), undefined],
    ]);
    expect(index.records[0]?.objects[0]?.box).toEqual([0, 0, 5, 6]);
  });

  it('makes XML the parser refuses a bad row naming its file, and reads the other files', async () => {
    const dir = await folders.make();
    const good = xml(
      '<filename>c.png</filename><object><name>cat</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>6</ymax></bndbox></object>',
    );
    await write(dir, {
      'Annotations/a.xml': '<annotation><__proto__>x</__proto__></annotation>',
      'Annotations/b.xml':
        '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><annotation>&x;</annotation>',
      'Annotations/c.xml': good,
      'Annotations/d.xml': `<!DOCTYPE a [<!ENTITY x "${'y'.repeat(10)}">]><annotation>${'&x;'.repeat(20_000)}</annotation>`,
    });
    const index = await readVoc(dir);
    expect(index.records.map((r) => r.where)).toEqual(['Annotations/c.xml']);
    expect(index.badRows.map((r) => r.message)).toEqual([
      'Annotations/a.xml is not a readable VOC annotation: it has an element named <__proto__>, a name that is not read; the file was skipped.',
      'Annotations/b.xml is not a readable VOC annotation: it declares an external entity, which is not read; the file was skipped.',
      'Annotations/d.xml is not a readable VOC annotation: its entities expand to more text than is read (as an XML bomb does); the file was skipped.',
    ]);
  });

  it('reports a broken file and a broken object, and stops when no file reads', async () => {
    const dir = await folders.make();
    await write(dir, {
      'Annotations/a.xml': xml('<filename>a.png</filename><object><bndbox></bndbox></object>'),
      'Annotations/b.xml': '<annotation><filename>b.png</filename>',
    });
    const index = await readVoc(dir);
    expect(index.badRows.map((r) => r.message)).toEqual([
      'Annotations/a.xml object 1 has no name; the object was skipped.',
      'Annotations/b.xml is not a readable VOC annotation: <annotation> is not closed (line 1); the file was skipped.',
    ]);
    const broken = await folders.make();
    await write(broken, { 'Annotations/a.xml': '<annotation>' });
    await expect(readVoc(broken)).rejects.toThrow(
      /^None of the 1 annotation files in '.*Annotations' is a readable VOC annotation; the first fails with Annotations\/a\.xml: <annotation> is not closed \(line 1\)\.$/,
    );
  });

  it('takes the classes and their order from a classes.txt, or a labelmap.txt less an unused background', async () => {
    const object = (name: string) =>
      `<object><name>${name}</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>6</ymax></bndbox></object>`;
    const files = {
      'Annotations/a.xml': xml(`<filename>a.png</filename>${object('zebra')}${object('ant')}`),
      'JPEGImages/a.png': '',
    };
    const listed = await folders.make();
    await write(listed, { ...files, 'classes.txt': '# kinds\nzebra\nyak\nant\n' });
    expect((await readVoc(listed)).classes).toEqual(['zebra', 'yak', 'ant']);
    const cvat = await folders.make();
    await write(cvat, {
      ...files,
      'labelmap.txt':
        '# label:color_rgb:parts:actions\nbackground:0,0,0::\nzebra:1,2,3::\nant:4,5,6::\n',
    });
    expect((await readVoc(cvat)).classes).toEqual(['zebra', 'ant']);
    const none = await folders.make();
    await write(none, files);
    expect((await readVoc(none)).classes).toEqual(['ant', 'zebra']);
  });
});
