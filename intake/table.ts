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
