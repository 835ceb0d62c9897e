// Every CSV the product writes goes through here: a cell a spreadsheet would run as a formula
// (starting with =, +, -, @, a tab or a carriage return) is written as text, with a leading
// apostrophe (OWASP's advice for CSV injection). A lead's model or a rejection's reason is
// whatever someone typed; the OEM and dealers open these files in spreadsheets.
import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell that cannot start a formula. */
export const inertCell = (value: string) => (FORMULA_START.test(value) ? `'${value}` : value);

/** Rows as CSV (the first row the header when `columns` is given), every text cell inert; numbers stay numbers. */
export function writeCsv(rows: readonly (readonly (string | number | null | undefined)[])[], columns?: readonly string[]): string {
  return stringify(rows as (string | number | null | undefined)[][], {
    ...(columns ? { header: true, columns: [...columns] } : {}),
    cast: { string: inertCell },
  });
}
