import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../datasets/rng.ts';
import { markdownText } from './markdown-text.ts';
import { pythonIdentifiers, pythonString, pythonText, reservedNames } from './python-names.ts';
import { TORCH_RESERVED } from './pytorch-names.ts';
import { randomText } from './test-hostile.ts';
import { pythonHas, runPython } from './test-python.ts';

const hasTorch = pythonHas('torch');

/** Controls, format marks, separators and unpaired surrogates; a plain space is visible text. */
const INVISIBLE = /(?! )[\p{C}\p{Z}]/u;

/** Strings with every trick of test-hostile, plus the corner cases of an escape. */
function samples(count: number): string[] {
  const rng = createRng(19);
  const fixed = [
    '',
    '\\',
    '"',
    '"""',
    '\\"',
    'a\\',
    '\0',
    '\uD800',
    '\uDFFF\uD800',
    '🎉',
    '\u202E',
  ];
  return [...fixed, ...Array.from({ length: count }, () => randomText(rng, 120))];
}

/**
 * For each string of the JSON list in argv[1]: what the literal evaluates to, what the docstring
 * holds, and how many statements a comment of it leaves (none).
 */
const ROUND_TRIP = `
import ast, json, sys
out = []
for literal, docstring, comment in json.load(open(sys.argv[1], encoding="utf-8")):
    out.append([ast.literal_eval(literal), ast.get_docstring(ast.parse(docstring), clean=False),
                len(ast.parse(comment).body)])
print(json.dumps(out))
`;

describe('pythonText and pythonString', () => {
  it('give back every string exactly as a literal and as a docstring, and keep a comment on its line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mts-pytext-'));
    try {
      const texts = samples(500);
      const cases = texts.map((s) => [
        pythonString(s),
        `"""${pythonText(s)}"""\n`,
        `# ${pythonText(s)}\n`,
      ]);
      // Nothing invisible is left in the source: what a reader sees is what Python reads.
      for (const [literal] of cases) expect(literal).not.toMatch(INVISIBLE);
      await writeFile(join(dir, 'cases.json'), JSON.stringify(cases));
      const back = JSON.parse(await runPython(['-c', ROUND_TRIP, 'cases.json'], dir)) as [
        string,
        string,
        number,
      ][];
      expect(back.map(([literal]) => literal)).toEqual(texts);
      expect(back.map(([, doc]) => doc)).toEqual(texts);
      expect(back.map(([, , statements]) => statements)).toEqual(texts.map(() => 0));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('leave visible text of any script as it is and show invisible characters as escapes', () => {
    expect(pythonText('Formes été 🎉 (v2)')).toBe('Formes été 🎉 (v2)');
    expect(pythonText('C:\\xyz')).toBe('C:\\\\xyz');
    expect(pythonText('a"""b\nc\r\u2028\u202E\0\u{E0001}')).toBe(
      'a\\"\\"\\"b\\nc\\r\\u2028\\u202e\\x00\\U000e0001',
    );
  });
});

/** Prints, for each name of the JSON list in argv[1], whether Python takes it as a plain name. */
const IDENTIFIER_CHECK = `
import builtins, json, keyword, sys
names = json.loads(sys.argv[1])
print(json.dumps([n.isidentifier() and not keyword.iskeyword(n) and not keyword.issoftkeyword(n)
                  and not hasattr(builtins, n) and not n.startswith("_") for n in names]))
`;

describe('pythonIdentifiers', () => {
  it('gives every id a unique plain Python name, clear of the reserved ones, in a stable order', async () => {
    const rng = createRng(7);
    const ids = [
      'a-b',
      'a_b',
      'a_b_',
      'class',
      'None',
      'print',
      'torch',
      '_x',
      '__init__',
      '1st',
      '',
      'é',
      ...Array.from({ length: 300 }, () => randomText(rng, 12)),
    ];
    const reserved = reservedNames('torch F self');
    const names = pythonIdentifiers(ids, reserved);
    const unique = [...new Set(ids)];
    expect([...names.keys()]).toEqual(unique);
    const values = [...names.values()];
    expect(new Set(values).size).toBe(values.length);
    for (const name of values) expect(reserved.has(name)).toBe(false);
    expect(names.get('a-b')).toBe('a_b');
    expect(names.get('a_b')).toBe('a_b_');
    expect(names.get('a_b_')).toBe('a_b__');
    expect(names.get('torch')).toBe('torch_');
    expect(names.get('_x')).toBe('n_x');
    expect(pythonIdentifiers(ids, reserved)).toEqual(names);
    const plain = JSON.parse(
      await runPython(['-c', IDENTIFIER_CHECK, JSON.stringify(values)], '.'),
    ) as boolean[];
    expect(values.filter((_, i) => !plain[i])).toEqual([]);
  });

  it.skipIf(!hasTorch)('reserves every attribute of the installed torch’s nn.Module', async () => {
    const attributes = JSON.parse(
      await runPython(['-c', 'import json, torch\nprint(json.dumps(dir(torch.nn.Module())))'], '.'),
    ) as string[];
    expect(attributes.filter((a) => /^[A-Za-z]/.test(a) && !TORCH_RESERVED.has(a))).toEqual([]);
  });
});

describe('markdownText', () => {
  it('keeps any text on its line with no Markdown of its own', () => {
    for (const text of samples(500)) {
      const md = markdownText(text);
      expect(md).not.toMatch(INVISIBLE);
      // Undoing CommonMark's backslash escapes gives the text, invisible characters shown as \u.
      const shown = md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
      const expected = [...text]
        .map((ch) =>
          ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)
            ? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`
            : ch,
        )
        .join('');
      expect(shown).toBe(expected);
      // Every character that could open emphasis, code, a link or HTML is escaped.
      expect(md.replace(/\\[!-/:-@[-`{-~]/g, '')).not.toMatch(/[*_`[\]<>&#\\]/);
    }
    expect(markdownText('shapes-three-tasks v1.2')).toBe('shapes-three-tasks v1.2');
    expect(markdownText('*a* [b](c) <d>')).toBe('\\*a\\* \\[b\\]\\(c\\) \\<d\\>');
  });
});
