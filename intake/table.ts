// Files of rows from other systems (fair sign-up sheets, DMS sales exports): CSV with any of
// , ; tab as separator (BOM, quoted fields), or JSON (an array of objects, or one under a
// named key). Pure; the importers map the columns they know.
import { parse } from 'csv-parse/sync';

export type TableFormat = 'CSV' | 'JSON';

/** The file as a whole cannot be read (not a row: the file); `field` is "file". */
export class TableRejected extends Error {
  readonly field = 'file';
}

/** The separator the header line uses: the most frequent of ; , and tab outside quotes. */
function detectDelimiter(firstLine: string): string {
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  const [best] = [';', ',', '\t']
    .map((delimiter) => ({ delimiter, count: unquoted.split(delimiter).length - 1 }))
    .sort((a, b) => b.count - a.count);
  return best && best.count > 0 ? best.delimiter : ',';
}

/** Every record with its headers as sent; `jsonKey` names the array in a JSON object (e.g. {"leads": [...]}). */
export function readTable(content: string, format: TableFormat, jsonKey: string): { records: Record<string, unknown>[]; headers: string[] } {
  if (format === 'JSON') {
    let data: unknown;
    try {
      data = JSON.parse(content.replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new TableRejected(`not valid JSON: ${(error as Error).message}`);
    }
    const list = Array.isArray(data) ? data : (data as Record<string, unknown> | null)?.[jsonKey];
    if (!Array.isArray(list) || list.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
      throw new TableRejected(`expected an array of objects, or {"${jsonKey}": [...]}`);
    }
    return { records: list as Record<string, unknown>[], headers: [...new Set(list.flatMap((r) => Object.keys(r as object)))] };
  }
  const text = content.replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(text.split(/\r?\n/, 1)[0] ?? '');
  let headers: string[] = [];
  try {
    const records = parse(text, {
      delimiter,
      columns: (header: string[]) => (headers = header.map((h) => h.trim())),
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as Record<string, string>[];
    return { records, headers };
  } catch (error) {
    throw new TableRejected(`not readable as CSV: ${(error as Error).message}`);
  }
}

/** Our column names, each with the header names also understood (any case, spacing or dashes). */
export type ColumnTemplate<F extends string> = Record<F, readonly string[]>;

export interface TableRows<F extends string> {
  /** 1 = the first row after the header (the first element of a JSON array). */
  rows: { row: number; values: Partial<Record<F, string>> }[];
  /** Headers that match no template column; their values are not taken. */
  ignoredColumns: string[];
}

const squash = (header: string) => header.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** Which template column a header is, by name or alias; null when none. */
export function columnMatcher<F extends string>(template: ColumnTemplate<F>): (header: string) => F | null {
  const byName = new Map<string, F>(
    (Object.entries(template) as [F, readonly string[]][]).flatMap(([field, aliases]) => [field, ...aliases].map((name) => [squash(name), field] as const)),
  );
  return (header) => byName.get(squash(header)) ?? null;
}

/**
 * A file's rows by template column. `check` sees the columns found before any row is read
 * (and throws TableRejected for a file that lacks what it needs); empty cells are left out.
 */
export function readRows<F extends string>(
  content: string, format: TableFormat, jsonKey: string,
  options: { template: ColumnTemplate<F>; maxRows: number; check: (columns: ReadonlySet<F>, headers: string[]) => void },
): TableRows<F> {
  const { records, headers } = readTable(content, format, jsonKey);
  const fieldFor = columnMatcher(options.template);
  const mapped = headers.map((h) => [h, fieldFor(h)] as const);
  options.check(new Set(mapped.flatMap(([, f]) => (f ? [f] : []))), headers);
  if (records.length === 0) throw new TableRejected('the file has no rows');
  if (records.length > options.maxRows) throw new TableRejected(`more than ${options.maxRows} rows; split the file`);
  const rows = records.map((record, index) => {
    const values: Partial<Record<F, string>> = {};
    for (const [header, field] of mapped) {
      const value = record[header];
      const text = value === null || value === undefined ? '' : String(value).trim();
      if (field && text && values[field] === undefined) values[field] = text;
    }
    return { row: index + 1, values };
  });
  return { rows, ignoredColumns: mapped.filter(([, f]) => f === null).map(([h]) => h) };
}
