import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inline, printable } from '../../core/format.ts';
import { serializeGraphDocument } from '../../core/graph/load.ts';
import { writeRectanglesPng } from '../datasets/import/test-fixtures.ts';
import { tinyReferenceGraph } from '../engine/test-graphs.ts';
import { cli } from './test-cli.ts';

/** A name that would start a line of its own, and one that shows "exe.gnp" as "png.exe". */
const TWO_LINES = 'two\nlines';
const REVERSED = 'gnp\u202e.exe';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mts-names-'));
});

describe('names from files in the terminal', () => {
  it('are escaped by one function: control and bidi characters always, line breaks inside a line', () => {
    expect(printable('a\u202eb\u2066c\u200fd\u2028e\x1b[2J\r\nf\tg')).toBe(
      'a\\u202eb\\u2066c\\u200fd\\u2028e\\x1b[2J\\r\nf\tg',
    );
    expect(inline('a\nb\tc\u202e')).toBe('a\\nb\\tc\\u202e');
  });

  it("summary shows a graph's name on its one line", async () => {
    const graph = join(work, 'named.graph.json');
    await writeFile(
      graph,
      serializeGraphDocument({ ...tinyReferenceGraph(), name: `${TWO_LINES} ${REVERSED}` }),
    );
    const { code, out } = await cli('summary', graph);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('Model: "two\\nlines gnp\\u202e.exe"');
  });

  it('dataset inspect shows class names on their rows of the table', async () => {
    const dir = join(work, 'classes');
    const rows = ['image,label'];
    for (let i = 0; i < 12; i++) {
      await writeRectanglesPng(join(dir, `img${i}.png`), 16, 16, []);
      rows.push(`img${i}.png,${i % 2 ? `"${TWO_LINES}"` : REVERSED}`);
    }
    await writeFile(join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
    const { code, out } = await cli('dataset', 'inspect', dir);
    expect(code).toBe(0);
    const lines = out.split('\n');
    // Escaped before the columns are measured: the counts stay under their headings.
    expect(lines).toContain('gnp\\u202e.exe      5           1     0      6');
    expect(lines).toContain('two\\nlines         5           0     1      6');
  });

  it('an error naming a path with a newline stays one line', async () => {
    const graph = join(work, 'tiny.graph.json');
    await writeFile(graph, serializeGraphDocument(tinyReferenceGraph()));
    const { code, err } = await cli('train', graph, '--dataset', join(work, TWO_LINES));
    expect(code).toBe(1);
    expect(err).toMatch(/^error: There is no dataset at '.*two\\nlines': .*\.\n$/);
  });
});
