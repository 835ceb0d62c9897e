// Uploads a fair or road-show file and shows the import's progress until it is done.
//   npm run import -- visitors.csv --event "IAA Mobility 2026" --date 2026-09-09 [--place München] [--source ROADSHOW]
// The API address and key come from L2L_API_URL (default http://127.0.0.1:3000) and
// L2L_API_KEY (or OEM_KEY, as .data/dev-keys.env sets it), or --api / --key.
import { SingleBar, Presets } from 'cli-progress';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { apiClient, failWith } from './api-client.js';

const USAGE = 'usage: npm run import -- <file.csv|file.json> --event <name> --date <YYYY-MM-DD> [--place <place>] [--source FAIR|ROADSHOW] [--api <url>] [--key <api key>]';

const fail: (message: string) => never = failWith(USAGE);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    event: { type: 'string' }, date: { type: 'string' }, place: { type: 'string' }, source: { type: 'string' },
    api: { type: 'string' }, key: { type: 'string' },
  },
});
const [file] = positionals;
if (!file) fail('which file?');
if (!values.event || !values.date) fail('--event and --date are required');
const call = apiClient(values, fail);

let content: string;
try {
  content = readFileSync(file, 'utf8');
} catch (error) {
  fail(`cannot read ${file}: ${(error as Error).message}`);
}
const query = new URLSearchParams({ event: values.event, date: values.date, fileName: basename(file) });
if (values.place) query.set('place', values.place);
if (values.source) query.set('source', values.source.toUpperCase());

interface ImportView { importId: string; totalRows: number; doneRows: number; status: string; ok: number; rejected: number; duplicates: number }
const uploaded = await call<{ import: ImportView; replayed: boolean; ignoredColumns: string[]; started: boolean }>(`/v1/imports?${query}`, {
  method: 'POST',
  body: content,
  headers: { 'content-type': extname(file).toLowerCase() === '.json' ? 'application/json' : 'text/csv' },
});
const { importId, totalRows } = uploaded.import;
console.log(`${uploaded.replayed ? 'already imported' : 'uploaded'}: ${basename(file)} → import ${importId} (${totalRows} rows)`);
if (uploaded.ignoredColumns.length > 0) console.log(`ignored columns: ${uploaded.ignoredColumns.join(', ')}`);
if (!uploaded.started) console.log('Temporal is not reachable right now; the import starts when it is (the file is stored).');

const bar = new SingleBar({
  format: ' {bar} {percentage}% | {value}/{total} rows | leads {ok} · rejected {rejected} · duplicates {duplicates} | {duration_formatted}',
  hideCursor: true,
}, Presets.shades_classic);
bar.start(totalRows, 0, { ok: 0, rejected: 0, duplicates: 0 });
let view = uploaded.import;
for (;;) {
  bar.update(view.doneRows, { ok: view.ok, rejected: view.rejected, duplicates: view.duplicates });
  if (view.status === 'COMPLETED') break;
  await new Promise((r) => setTimeout(r, 500));
  view = await call<ImportView>(`/v1/imports/${importId}`);
}
bar.stop();
console.log(`done: ${view.ok} leads, ${view.rejected} rejected, ${view.duplicates} duplicates`);
if (view.rejected + view.duplicates > 0) {
  const report = `${file.replace(/\.[^.]+$/, '')}.rejected-${importId.slice(0, 8)}.csv`;
  writeFileSync(report, await call<string>(`/v1/imports/${importId}/rejections`));
  console.log(`rows not imported, with reasons: ${report}`);
}
