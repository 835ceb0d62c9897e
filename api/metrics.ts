// The API's Prometheus metrics (prom-client): request rate and latency by route and status,
// leads taken in by source and outcome, the lead outbox's depth, import rows pending. Served on a port of their own
// (API_METRICS_PORT, loopback by default), never on the public API's.
import type { FastifyInstance } from 'fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LeadSource } from '../domain/lead.js';
import { sqlPoolOf, type PrismaClient } from '../platform/db.js';

export type LeadOutcome = 'accepted' | 'replayed' | 'rejected';

export interface ApiMetrics {
  registry: Registry;
  /** A lead the intake took in, replayed (same Idempotency-Key) or refused. */
  countLead(source: LeadSource, outcome: LeadOutcome): void;
}

export function createApiMetrics({ db }: { db: PrismaClient }): ApiMetrics & { observeRequests(app: FastifyInstance): void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'l2l_api_' });
  const requests = new Histogram({
    name: 'l2l_http_request_duration_seconds',
    help: 'API requests by method, route (its pattern, not the URL) and status, with their latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const leads = new Counter({
    name: 'l2l_leads_total',
    help: 'Leads taken in by the API (forms, ADF, web forms), by source and outcome',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'l2l_lead_outbox_depth',
    help: 'Leads stored but not yet handed to their journey (grows while Temporal is unreachable)',
    registers: [registry],
    async collect() {
      this.set(await db.lead.count({ where: { deliveredAt: null } }));
    },
  });
  new Gauge({
    name: 'l2l_import_rows_pending',
    help: 'Rows of running imports not yet done, by kind (leads: fair and event files; customers: onboarding files); flat while rows remain means stuck',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const sql = sqlPoolOf(db);
      const [leads, customers] = await Promise.all([
        // Both kinds of file keep their done rows' count on the import: one row read per running file.
        sql.query<{ n: string }>(`SELECT COALESCE(sum(total_rows - done_rows), 0) AS n FROM lead_import WHERE status IN ('RECEIVED', 'RUNNING')`),
        sql.query<{ n: string }>(`SELECT COALESCE(sum(total_rows - done_rows), 0) AS n FROM customer_import WHERE status IN ('RECEIVED', 'RUNNING')`),
      ]);
      this.set({ kind: 'leads' }, Number(leads.rows[0]!.n));
      this.set({ kind: 'customers' }, Number(customers.rows[0]!.n));
    },
  });
  return {
    registry,
    countLead: (source, outcome) => leads.inc({ source, outcome }),
    observeRequests(app) {
      app.addHook('onResponse', async (request, reply) => {
        // Unknown paths share one label, so a scanner cannot grow the series without bound.
        const route = request.routeOptions.url ?? 'unmatched';
        requests.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      });
    },
  };
}

/** `GET /metrics` in Prometheus' text format on its own port. */
export async function serveMetrics(registry: Registry, { host = '127.0.0.1', port }: { host?: string; port: number }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '10' }).end(`metrics unavailable: ${(error as Error).message}`),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}/metrics` };
}
