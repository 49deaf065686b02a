import { StudioError } from './problems.ts';

/** Editors on Windows start UTF-8 files with a byte-order mark; JSON.parse does not take it. */
export const withoutByteOrderMark = (text: string): string => text.replace(/^\uFEFF/, '');

/**
 * Whether the bytes are UTF-16: its byte-order mark, or ASCII text with every other byte zero
 * (what Notepad and PowerShell's `>` write when they leave the mark out).
 */
function isUtf16(bytes: Uint8Array): boolean {
  const [a, b] = bytes;
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) return true;
  const head = bytes.subarray(0, 64);
  if (head.length < 4) return false;
  let evenZeros = 0;
  let oddZeros = 0;
  head.forEach((byte, i) => {
    if (byte === 0) {
      if (i % 2 === 0) evenZeros++;
      else oddZeros++;
    }
  });
  const half = Math.floor(head.length / 2);
  return evenZeros === half || oddZeros === half;
}

/**
 * The text of a file the studio reads (a graph, a model.json): UTF-8 with any byte-order mark
 * dropped. UTF-16 is refused by name, instead of being parsed as mojibake whose error would
 * quote raw bytes.
 */
export function decodeTextFile(bytes: Uint8Array, name: string): string {
  if (isUtf16(bytes)) {
    throw new StudioError('E_FILE_ENCODING', `${name} is UTF-16 text; save it as UTF-8.`);
  }
  return withoutByteOrderMark(new TextDecoder().decode(bytes));
}
