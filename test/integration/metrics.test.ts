// Prometheus metrics from the real processes: the API's on a port of their own, and the worker
// process (workers/main.ts, spawned) with the Temporal SDK's metrics and the journeys'.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serveMetrics } from '../../api/metrics.js';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { eventually, person, silentLog, startSystem, type System } from '../support/system.js';

let sys: System;
beforeAll(async () => {
  // The worker process spawned below runs the outbox relay over the file's own database.
  sys = await startSystem({ kinds: ['journeys'] });
});
afterAll(async () => {
  await sys?.stop();
});

const freePort = () => new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});
/** The sample lines of one metric that carry all the given labels. */
const samples = (text: string, name: string, labels: Record<string, string>) =>
  text.split('\n').filter((line) => line.startsWith(name) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)));
const valueOf = (line: string | undefined) => Number(line?.split(' ').pop());

describe('metrics', () => {
  it('the API: requests by route and status, leads by source and outcome, the outbox depth — on its own port only', async () => {
    const { url, server } = await serveMetrics(sys.app.metrics.registry, { port: 0 });
    try {
      const accepted = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { email: person().email } } });
      expect(accepted.statusCode, accepted.body).toBe(202);
      const refused = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', preferredDealerId: 'DLR-NOWHERE', contact: { email: person().email } } });
      expect(refused.statusCode).toBeGreaterThanOrEqual(400);
      expect((await sys.api({ method: 'GET', url: `/v1/imports/${randomUUID()}` })).statusCode).toBe(404);

      const res = await fetch(url);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(valueOf(samples(text, 'l2l_http_request_duration_seconds_count', { method: 'POST', route: '/v1/leads', status: '202' })[0])).toBe(1);
      expect(valueOf(samples(text, 'l2l_http_request_duration_seconds_count', { method: 'POST', route: '/v1/leads', status: String(refused.statusCode) })[0])).toBe(1);
      // By the route's pattern, never the URL (the id is not a label).
      expect(samples(text, 'l2l_http_request_duration_seconds_count', { method: 'GET', route: '/v1/imports/:id', status: '404' })).toHaveLength(1);
      expect(valueOf(samples(text, 'l2l_leads_total', { source: 'WEB_FORM', outcome: 'accepted' })[0])).toBe(1);
      expect(valueOf(samples(text, 'l2l_leads_total', { source: 'WEB_FORM', outcome: 'rejected' })[0])).toBe(1);
      expect(valueOf(samples(text, 'l2l_lead_outbox_depth', {})[0])).toBe(await sys.db.lead.count({ where: { deliveredAt: null } }));
      // Rows of running imports (the ImportStuck alert watches it not move), counted as the database has them.
      const pending = await sys.db.customerImportRow.count({ where: { doneAt: null, customerImport: { status: { in: ['RECEIVED', 'RUNNING'] } } } });
      expect(valueOf(samples(text, 'l2l_import_rows_pending', { kind: 'customers' })[0])).toBe(pending);
      const running = await sys.db.leadImport.findMany({ where: { status: { in: ['RECEIVED', 'RUNNING'] } }, select: { totalRows: true, _count: { select: { rows: true } } } });
      expect(valueOf(samples(text, 'l2l_import_rows_pending', { kind: 'leads' })[0])).toBe(running.reduce((n, i) => n + i.totalRows - i._count.rows, 0));
      expect(text).toContain('l2l_api_process_cpu_seconds_total');

      expect((await fetch(url.replace('/metrics', '/anything'))).status).toBe(404);
      const onPublicPort = await sys.api({ method: 'GET', url: '/metrics' });
      expect(onPublicPort.statusCode, onPublicPort.body).toBeGreaterThanOrEqual(400);
      expect(onPublicPort.body).not.toContain('l2l_');
    } finally {
      server.close();
    }
  });

  it("the worker process: the SDK's own metrics and the journeys' stage transitions", async () => {
    const port = await freePort();
    const taskQueue = `journeys-metrics-${randomUUID()}`;
    const worker = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../workers/main.ts', import.meta.url))], {
      env: {
        ...process.env, DATABASE_URL: sys.databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue,
        WORKER_METRICS_ADDRESS: `127.0.0.1:${port}`, LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      const intake = createLeadIntake({ db: sys.db, temporal: sys.temporal, taskQueue, defaultCountry: 'DE', log: silentLog });
      const { journeyId } = await intake.accept({ source: 'FAIR', contact: { email: person().email } });
      await eventually(async () => ((await sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery)).stage === 'QUALIFYING' ? true : undefined), 60_000);
      const text = await eventually(async () => {
        const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        // The journeys' counters come during a workflow task, the SDK's latency once it completed.
        return body.includes('l2l_journey_stage_transitions') && body.includes('temporal_workflow_task_execution_latency') ? body : undefined;
      }, 30_000);
      for (const [from, to] of [['NONE', 'CAPTURED'], ['CAPTURED', 'QUALIFYING']] as const) {
        const [line] = samples(text, 'l2l_journey_stage_transitions', { from, to, taskQueue });
        expect(valueOf(line), `${from} → ${to} in:\n${text}`).toBe(1);
      }
      expect(text).toMatch(/^temporal_workflow_task_execution_latency\w*/m);
      expect(text).toMatch(/^temporal_workflow_task_execution_failed\w*|^temporal_worker_task_slots_available\w*/m);
    } finally {
      worker.kill('SIGTERM');
      await exited;
    }
  }, 120_000);
});
