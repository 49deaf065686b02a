/**
 * The one way strings of a graph reach generated Python: as text inside a string literal, a
 * docstring or a comment (`pythonText`, `pythonString`), or as an identifier (`pythonIdentifiers`).
 */

/** Python's keywords, soft keywords and names that cannot be assigned. */
const KEYWORDS =
  'False None True and as assert async await break class continue def del elif else except ' +
  'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
  'with yield match case type _ __debug__';

/** Python's builtins: a local of the same name hides the builtin from the code after it. */
const BUILTINS =
  'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod ' +
  'compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter ' +
  'float format frozenset getattr globals hasattr hash help hex id input int isinstance ' +
  'issubclass iter len license list locals map max memoryview min next object oct open ord pow ' +
  'print property quit range repr reversed round set setattr slice sorted staticmethod str sum ' +
  'super tuple vars zip Ellipsis NotImplemented Exception BaseException';

const words = (...lists: string[]): string[] => lists.join(' ').split(/\s+/).filter(Boolean);

/** Names no generated identifier may take, whatever the file: keywords and builtins. */
export const PYTHON_RESERVED: ReadonlySet<string> = new Set(words(KEYWORDS, BUILTINS));

/** Names a generator's own code uses, added to Python's reserved ones. */
export const reservedNames = (...lists: string[]): ReadonlySet<string> =>
  new Set([...PYTHON_RESERVED, ...words(...lists)]);

/**
 * A Python identifier per id, unique, and none of `reserved`: as close to the id as Python
 * allows, so the code reads like the graph. Anything but ASCII letters, digits and '_' becomes
 * '_' ('conv-1' → conv_1); a name that would not start with a letter gets an 'n' in front (one
 * starting with '_' would be private, and '__' mangled inside a class); a taken or reserved name
 * gets '_' appended until it is free. Ids are taken in order, so the same graph always gives
 * the same names.
 */
export function pythonIdentifiers(
  ids: readonly string[],
  reserved: ReadonlySet<string>,
): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const id of ids) {
    if (names.has(id)) continue;
    let name = id.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z]/.test(name)) name = `n${name}`;
    while (reserved.has(name) || used.has(name)) name = `${name}_`;
    used.add(name);
    names.set(id, name);
  }
  return names;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, '0');

/**
 * Text as Python reads it between double quotes, in a `"""` docstring and in a comment alike:
 * backslashes and double quotes escaped, and every character that is not visible text (line
 * breaks of any kind, controls, bidi and zero-width marks, unpaired surrogates, unassigned code
 * points) as its \x, \u or \U escape, so nothing can end the string or the line, and the source
 * shows what the code does. Letters, digits, punctuation and symbols of any script stay as they
 * are. In a literal the escapes give back the exact text; in a docstring and a comment they are
 * what a reader sees.
 */
export function pythonText(text: string): string {
  let out = '';
  for (const ch of text) {
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (ch === ' ' || !/[\p{C}\p{Z}]/u.test(ch)) out += ch;
    else {
      const code = ch.codePointAt(0)!;
      out +=
        code < 0x100
          ? `\\x${hex(code, 2)}`
          : code < 0x10000
            ? `\\u${hex(code, 4)}`
            : `\\U${hex(code, 8)}`;
    }
  }
  return out;
}

/** A Python string literal of the text: `pythonText` between double quotes. */
export const pythonString = (text: string): string => `"${pythonText(text)}"`;
