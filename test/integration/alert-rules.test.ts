// The alert rules ops act on (ops/alerts/rules.yml): promtool checks them and runs their unit
// tests (rules.test.yml: each alert fires on what it is for, resolves after, and stays quiet
// below its threshold); every metric of ours they name is one the API or the worker exports.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { promtool } from '../support/infra.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const rules = join(root, 'ops/alerts/rules.yml');

/** The TypeScript sources of the processes that export metrics. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

describe('alert rules', () => {
  it('are valid rules, and each fires and resolves as its unit test says (promtool)', async () => {
    const check = await run(promtool, ['check', 'rules', rules]);
    expect(check.stdout).toMatch(/SUCCESS: 6 rules found/);
    const tested = await run(promtool, ['test', 'rules', join(root, 'ops/alerts/rules.test.yml')]);
    expect(tested.stdout).toMatch(/SUCCESS/);
  });

  it('name only metrics the processes export (ours by their declared names)', () => {
    const text = readFileSync(rules, 'utf8');
    const named = new Set(text.match(/\bl2l_[a-z0-9_]+/g));
    expect([...named].sort()).toEqual([
      'l2l_dealer_delivery_attempts', 'l2l_import_rows_pending', 'l2l_journey_handoff_sla_breaches', 'l2l_journey_stage_transitions', 'l2l_lead_outbox_depth',
    ]);
    const code = ['api', 'activities', 'workflows'].flatMap((d) => sources(join(root, d))).join('\n');
    for (const name of named) expect(code, name).toMatch(new RegExp(`['"]${name}['"]`));
  });
});
