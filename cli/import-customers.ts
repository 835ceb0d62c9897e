// Uploads the OEM's customer file (onboarding), streamed, and shows the import's progress until it is done.
//   npm run import -- --customers owners.csv --source CRM [--dry-run] [--spread-days 30]
// A .jsonl / .ndjson file is sent as JSON lines, anything else as CSV. The API address and key come
// from L2L_API_URL (default http://127.0.0.1:3000) and L2L_API_KEY (or OEM_KEY), or --api / --key.
import { SingleBar, Presets } from 'cli-progress';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { apiClient, failWith } from './api-client.js';

const USAGE = 'usage: npm run import -- --customers <file.csv|file.jsonl> --source <system> [--dry-run] [--spread-days <days>] [--api <url>] [--key <api key>]';

const fail: (message: string) => never = failWith(USAGE);

const { values } = parseArgs({
  options: {
    customers: { type: 'string' }, source: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'spread-days': { type: 'string' },
    api: { type: 'string' }, key: { type: 'string' },
  },
});
const file = values.customers;
if (!file) fail('which file?');
if (!values.source) fail('--source is required (the system the file comes from, e.g. CRM)');
const call = apiClient(values, fail);
try {
  statSync(file);
} catch (error) {
  fail(`cannot read ${file}: ${(error as Error).message}`);
}
const query = new URLSearchParams({ source: values.source, fileName: basename(file), dryRun: String(values['dry-run'] ?? false) });
if (values['spread-days']) query.set('spreadDays', values['spread-days']);

interface View {
  importId: string; totalRows: number; doneRows: number; status: string; dryRun: boolean; imported: number; merged: number; rejected: number;
  withConflicts: number; byPlacement: Record<string, number>; rowsPerSecond: number | null; etaSeconds: number | null;
}
const jsonLines = ['.jsonl', '.ndjson'].includes(extname(file).toLowerCase());
// Streamed from the disk: a file of millions of rows is never read whole.
const uploaded = await call<{ import: View; replayed: boolean; ignoredColumns: string[]; started: boolean }>(`/v1/customer-imports?${query}`, {
  method: 'POST',
  body: Readable.toWeb(createReadStream(file)) as ReadableStream,
  headers: { 'content-type': jsonLines ? 'application/x-ndjson' : 'text/csv' },
  duplex: 'half',
} as RequestInit);
const { importId, totalRows } = uploaded.import;
console.log(`${uploaded.replayed ? 'already imported' : 'uploaded'}: ${basename(file)} → customer import ${importId} (${totalRows} rows${uploaded.import.dryRun ? ', dry run' : ''})`);
if (uploaded.ignoredColumns.length > 0) console.log(`ignored columns: ${uploaded.ignoredColumns.join(', ')}`);
if (!uploaded.started) console.log('Temporal is not reachable right now; the import starts when it is (the file is stored).');

const bar = new SingleBar({
  format: ' {bar} {percentage}% | {value}/{total} rows | {rate} rows/s · ETA {eta_s} s | new {imported} · merged {merged} · rejected {rejected}',
  hideCursor: true,
}, Presets.shades_classic);
bar.start(totalRows, 0, { imported: 0, merged: 0, rejected: 0, rate: '-', eta_s: '-' });
let view = uploaded.import;
for (;;) {
  bar.update(view.doneRows, { imported: view.imported, merged: view.merged, rejected: view.rejected, rate: view.rowsPerSecond ?? '-', eta_s: view.etaSeconds ?? '-' });
  if (view.status === 'COMPLETED') break;
  await new Promise((r) => setTimeout(r, 1000));
  view = await call<View>(`/v1/customer-imports/${importId}`);
}
bar.stop();
const placements = Object.entries(view.byPlacement).map(([p, n]) => `${p} ${n}`).join(', ');
console.log(`${view.dryRun ? 'dry run — would be' : 'done'}: ${view.imported} new journeys (${placements}), ${view.merged} merged, ${view.rejected} rejected, ${view.withConflicts} with conflicts`);
if (view.rejected + view.withConflicts > 0) {
  const report = `${file.replace(/\.[^.]+$/, '')}.report-${importId.slice(0, 8)}.csv`;
  writeFileSync(report, await call<string>(`/v1/customer-imports/${importId}/report`));
  console.log(`rows refused or with conflicts, with reasons: ${report}`);
}
