// Schemathesis against the running API, all checks, once per role: every route the
// OpenAPI document names is called with generated valid and invalid input, and every
// answer must be documented, conform to its schema and never be a 5xx. Realistic ids
// (a dealer, a customer whose journey that dealer has accepted, an import) are seeded
// so the fuzzer reaches past the 404s. Fails on any failure Schemathesis reports.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { apiCaller, createTestKey, eventually, silentLog, startSystem, type System } from '../support/system.js';
import { schemathesis } from '../support/infra.js';

let sys: System;
let app: Awaited<ReturnType<typeof buildApp>>;
let baseUrl = '';
const keys: Record<'OEM' | 'OPS' | 'DEALER', string> = { OEM: '', OPS: '', DEALER: '' };
const seeds = { dealerId: '', customerId: '', journeyId: '', importId: '', salesReportId: '', erasableCustomerId: '' };
let configFile = '';

/**
 * Operations whose rules JSON Schema cannot state: they depend on the clock, on the
 * phone-number library, on records in the database, or on a document format inside a
 * string body. Schema-valid input may be refused there with a 400 naming the field; every
 * other check (no 5xx, documented status and content type, schema of every answer,
 * invalid input refused) still holds for them.
 */
const RULES_BEYOND_THE_SCHEMA: [method: string, path: string, why: string][] = [
  ['POST', '/v1/leads', 'receivedAt and consents[].capturedAt must not be in the future; phone numbers are checked by libphonenumber; preferredDealerId must name an active dealer'],
  ['POST', '/v1/leads/adf', 'the body is an ADF XML document'],
  ['POST', '/v1/imports', 'the body is a CSV or JSON file; the event date must not be in the future'],
  ['POST', '/v1/journeys/{id}/sale', 'soldOn must not be in the future'],
  ['POST', '/v1/journeys/{id}/reassign', 'the target dealer must exist and be active'],
  ['POST', '/v1/customers/{id}/communications', 'notBefore must be within ten years from now; reserved variable names (vin, firstName, …) are refused; legal notices are the OEM\'s (a dealer 403)'],
  ['PATCH', '/v1/customers/{id}/contact', 'phone numbers are checked by libphonenumber'],
  ['POST', '/v1/api-keys', 'expiresAt must be in the future; a DEALER key must name an existing dealer'],
  ['POST', '/v1/sales-reports', 'the body is a CSV or JSON sales file with vin, model, saleDate, dealerId and a buyer e-mail or phone column'],
  ['PUT', '/v1/dealers/{id}/delivery', 'webhookUrl must be https:// to a public address (this machine only in development) and carry no user name or password'],
  ['POST', '/v1/form-keys', 'allowedOrigins must be bare origins, https:// (http:// only for localhost)'],
  ['POST', '/v1/forms/{formKey}/leads', 'the form key must be issued and the Origin header one of its sites; consent wordings must be registered with it; phone numbers are checked by libphonenumber'],
  ['POST', '/v1/forms/{formKey}/engagements', 'the form key must be issued and the Origin header one of its sites'],
  ['GET', '/v1/consents/confirm', 'the token must be one the platform signed, unexpired'],
  ['POST', '/v1/consents/confirm', 'the token must be one the platform signed, unexpired, for the confirmation request still awaited'],
  ['GET', '/v1/unsubscribe', 'the token must be one the platform signed'],
  ['POST', '/v1/unsubscribe', 'the token must be one the platform signed'],
  ['GET', '/v1/reports/scorecard', 'to must not be before from, and at most three years after it'],
  ['GET', '/v1/reports/scorecard.csv', 'to must not be before from, and at most three years after it'],
  ['PUT', '/v1/captains', 'the person must exist, be active and fit the scope (the network and regions are the OEM\'s people); the dealer or region must exist; the time zone must be an IANA name'],
  ['PUT', '/v1/kpi-targets', 'the dealer or region must exist; the target must lie within the KPI\'s bounds (a share 0…1, the NPS −100…100)'],
  ['PUT', '/v1/customers/{id}/counterparts/{process}', 'the customer must be a company and the contact one of its people'],
  ['GET', '/v1/reports/kpi-trend', 'scopeId names the region or dealer, and is empty for the network'],
  ['POST', '/v1/vehicles/{vin}/events', 'the VIN must be a sold vehicle\'s, with the check digit where the buyer\'s market has one; MILEAGE and BATTERY_HEALTH events give their figure'],
];

/** Per-route values for path parameters, so generated requests reach real records; and the list above. */
function config(): string {
  const operation = (pathRegex: string, parameters: Record<string, string>) =>
    `[[operations]]\ninclude-path-regex = '${pathRegex}'\nparameters = { ${Object.entries(parameters).map(([k, v]) => `"path.${k}" = "${v}"`).join(', ')} }\n`;
  const beyondTheSchema = ([method, path, why]: (typeof RULES_BEYOND_THE_SCHEMA)[number]) =>
    `# ${why}\n[[operations]]\ninclude-path = '${path}'\ninclude-method = '${method}'\n` +
    'checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 404, 409, 410, 422, 429]\n';
  return [
    'generation.max-examples = 8',
    'generation.deterministic = true',
    // Deterministic runs find the same examples each time: nothing to keep between runs.
    'generation.database = "none"',
    'request-timeout = 15.0',
    operation('^/v1/journeys/\\{id\\}', { id: seeds.journeyId }),
    operation('^/v1/journeys/\\{id\\}/complaints/\\{complaintId\\}', { id: seeds.journeyId, complaintId: 'C-FUZZ' }),
    // Erasure ends a journey: the fuzzer erases a customer of its own, not the one the other routes use.
    operation('^/v1/customers/\\{id\\}/erasure$', { id: seeds.erasableCustomerId }),
    operation('^/v1/(customers|dealer/customers)/\\{id\\}', { id: seeds.customerId }),
    operation('^/v1/dealers/\\{id\\}', { id: seeds.dealerId }),
    operation('^/v1/imports/\\{id\\}', { id: seeds.importId }),
    operation('^/v1/sales-reports/\\{id\\}', { id: seeds.salesReportId }),
    ...RULES_BEYOND_THE_SCHEMA.map(beyondTheSchema),
  ].join('\n');
}

/**
 * The paths with an operation the OpenAPI document names this role for; for the OEM also the public
 * ones (forms, consent links), fuzzed once. An operation only another role may call is fuzzed with
 * that role's key (the missing-key 401 is checked there too); refusals by role are access-control.test.ts's.
 */
async function pathsFor(role: keyof typeof keys): Promise<string[]> {
  const doc = (await (await fetch(`${baseUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, { description?: string }>> };
  const rolesOf = (op: { description?: string }) => /\*\*Roles:\*\*([^.]*)/.exec(op.description ?? '')?.[1];
  return Object.entries(doc.paths)
    .filter(([, operations]) => Object.values(operations).some((op) => {
      const roles = rolesOf(op);
      return roles === undefined ? role === 'OEM' : new RegExp(`\\b${role}\\b`).test(roles);
    }))
    .map(([path]) => path);
}
const onlyThese = (paths: string[]) => `^(?:${paths.map((path) => path.replace(/[{}]/g, '\\$&')).join('|')})$`;

type Role = keyof typeof keys;
interface FuzzRun { role: Role; phases: string; paths: string[] }

/**
 * Who fuzzes what. The OEM key runs every phase over its paths and the public ones. The coverage
 * phase (boundary and invalid values of every field: most of the cases, and of Schemathesis's CPU)
 * meets the same validation whoever calls, so OPS and DEALER keys run it only on the paths the OEM's
 * run does not reach; their examples, fuzzing and stateful phases run on every path of theirs (what
 * each role is answered, and its schema).
 */
async function plannedRuns(): Promise<FuzzRun[]> {
  const [oem, ops, dealer] = [await pathsFor('OEM'), await pathsFor('OPS'), await pathsFor('DEALER')];
  const beyondTheOem = (paths: string[]) => paths.filter((path) => !oem.includes(path));
  return [
    { role: 'OEM', phases: 'examples,coverage,fuzzing,stateful', paths: oem },
    { role: 'OPS', phases: 'examples,fuzzing,stateful', paths: ops },
    { role: 'DEALER', phases: 'examples,fuzzing,stateful', paths: dealer },
    { role: 'OPS', phases: 'coverage', paths: beyondTheOem(ops) },
    { role: 'DEALER', phases: 'coverage', paths: beyondTheOem(dealer) },
  ];
}

async function runSchemathesis({ role, phases, paths }: FuzzRun): Promise<{ code: number; output: string }> {
  if (paths.length === 0) return { code: 0, output: 'no path to fuzz' };
  return new Promise((resolve) => {
    execFile(
      schemathesis,
      ['--config-file', configFile, 'run', `${baseUrl}/docs/json`, '--url', baseUrl, '-H', `Authorization: Bearer ${keys[role]}`, '--checks', 'all', '--no-color',
        '--phases', phases, '--include-path-regex', onlyThese(paths)],
      // Run in the temporary folder: whatever Schemathesis writes goes there.
      { cwd: dirname(configFile), maxBuffer: 64 * 1024 * 1024, timeout: 400_000, env: { ...process.env, SCHEMATHESIS_HOOKS: '' } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
  });
}


beforeAll(async () => {
  sys = await startSystem();
  // A generous rate limit: the fuzzer is one key sending as fast as it can.
  app = await buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue: sys.taskQueue, rateLimit: { max: 100_000, windowMs: 60_000, anonymousMax: 100_000 } });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
  seeds.dealerId = `DLR-FUZZ-${tag}`;
  const oem = apiCaller(app, sys.oemKey);
  expect((await oem({ method: 'POST', url: '/v1/dealers', payload: { id: seeds.dealerId, name: 'Autohaus Fuzz', territory: [`QF${tag}`], brands: ['VW'] } })).statusCode).toBe(201);
  keys.OEM = sys.oemKey;
  keys.OPS = await createTestKey(sys.db, 'OPS');
  keys.DEALER = await createTestKey(sys.db, 'DEALER', seeds.dealerId);
  const lead = await oem({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', preferredDealerId: seeds.dealerId, interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { email: `fuzz.${tag}@example.com` } } });
  Object.assign(seeds, { customerId: lead.json().customerId, journeyId: lead.json().journeyId });
  const erasable = await oem({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email: `erase.${tag}@example.com` } } });
  seeds.erasableCustomerId = erasable.json().customerId;
  const dealer = apiCaller(app, keys.DEALER);
  await eventually(async () => ((await dealer({ method: 'POST', url: `/v1/journeys/${seeds.journeyId}/accept` })).statusCode === 200 ? true : undefined));
  const imported = await oem({ method: 'POST', url: '/v1/imports?event=Fuzz%20Fair&date=2026-09-09', payload: `email\nfair.${tag}@example.com\n`, headers: { 'content-type': 'text/csv' } });
  expect(imported.statusCode, imported.body).toBe(202);
  seeds.importId = imported.json().import.importId;
  const report = await oem({ method: 'POST', url: '/v1/sales-reports', payload: `vin,model,saleDate,dealerId,email\nWVWZZZE1ZP${tag}1,ID.7,2026-11-01,${seeds.dealerId},nobody.${tag}@example.com\n`, headers: { 'content-type': 'text/csv' } });
  expect(report.statusCode, report.body).toBe(202);
  seeds.salesReportId = report.json().report.reportId;
  const dir = mkdtempSync(join(tmpdir(), 'l2l-fuzz-'));
  configFile = join(dir, 'schemathesis.toml');
  writeFileSync(configFile, config());
}, 120_000);
afterAll(async () => {
  await app?.close();
  await sys?.stop();
});

describe('the API against its own OpenAPI document (Schemathesis, all checks)', () => {
  // The runs at once: a Schemathesis run and the API answering it take turns, each using half a
  // core; several together keep both cores busy (and the suite's other files with them).
  let planned: FuzzRun[] = [];
  let runs: Promise<{ code: number; output: string }>[] = [];
  beforeAll(async () => {
    planned = await plannedRuns();
    runs = planned.map(runSchemathesis);
  });
  it('every documented path is fuzzed, and gets the coverage phase once', async () => {
    const doc = (await (await fetch(`${baseUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    const covered = planned.filter((run) => run.phases.includes('coverage')).flatMap((run) => run.paths);
    expect(Object.keys(doc.paths).filter((path) => !covered.includes(path))).toEqual([]);
    expect(covered.length).toBe(new Set(covered).size);
    const fuzzed = new Set(planned.filter((run) => run.phases.includes('fuzzing')).flatMap((run) => run.paths));
    expect(Object.keys(doc.paths).filter((path) => !fuzzed.has(path))).toEqual([]);
  });
  it.each([0, 1, 2, 3, 4])('run %i (a key and its phases, see plannedRuns): no 5xx, no undocumented answer, no schema violation', async (i) => {
    const { code, output } = await runs[i]!;
    const { role, phases, paths } = planned[i]!;
    // L2L_FUZZ_LOG=1 prints every run's report (cases per phase, the warnings), not only a failing one's.
    if (code !== 0 || process.env.L2L_FUZZ_LOG) console.log(`${role} ${phases} (${paths.length} paths)\n${output.slice(-20_000)}`);
    expect(code, `schemathesis failed for ${role} (${phases}); its report is above`).toBe(0);
  }, 420_000);
});
