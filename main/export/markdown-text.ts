/**
 * Text as Markdown shows it literally, inline: ASCII punctuation that could start emphasis, a
 * link, code, HTML, an entity or a heading is backslash-escaped (CommonMark's escapes), and every
 * character that is not visible text (line breaks, controls, bidi and zero-width marks, unpaired
 * surrogates) is shown as its \u escape, so the text stays on its line and reads as it is.
 * For text after something else on its line (a list marker, a heading's '#'), where a leading
 * '-', '+' or '1.' cannot start a block.
 */
export function markdownText(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/[!"#$%&'()*<>[\\\]^_`{|}~]/.test(ch)) {
      out += `\\${ch}`;
    } else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) {
      // The backslash itself escaped, so Markdown shows the escape rather than reading it.
      out += `\\\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}
