/**
 * CSV text cells as the studio writes them (dataset export) and reads them (CSV import), kept in
 * one place so that what is exported reads back as the same strings.
 *
 * A spreadsheet runs a cell that begins with = + - @, a tab or a carriage return as a formula, so
 * a class named '=HYPERLINK(…)' in an exported annotations.csv would act when the file is opened
 * (CSV injection). OWASP's advice is a leading apostrophe, which spreadsheets themselves read as
 * "this is text" and do not show. The reader strips exactly one apostrophe, and only where the
 * writer could have added it: before one of those characters, or before further apostrophes that
 * lead to one. A text that itself begins that way ("'=x") gains one apostrophe more ("''=x"), so
 * every string reads back as it was. Quoting alone would not do: spreadsheets drop the quotes and
 * still run the formula.
 */

/** What the writer marks: a formula's first character, after any apostrophes already there. */
const FORMULA_START = /^'*[=+\-@\t\r]/;
/** What the reader unmarks: the same, with at least the one apostrophe the writer added. */
const MARKED_FORMULA_START = /^'+[=+\-@\t\r]/;

/**
 * A text cell: marked so no spreadsheet runs it, and quoted when it holds a quote, a line break
 * or any delimiter the reader may pick (',', ';', tab), or starts or ends with a space the
 * reader would otherwise trim.
 */
export function csvTextCell(text: string): string {
  const cell = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",;\t\r\n]|^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** A cell as the writer meant it: the apostrophe that kept a spreadsheet from running it, removed. */
export const readCsvCell = (cell: string): string =>
  MARKED_FORMULA_START.test(cell) ? cell.slice(1) : cell;

/** One CSV line of text cells. */
export const csvTextLine = (cells: readonly string[]): string => cells.map(csvTextCell).join(',');
