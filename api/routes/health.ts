import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { PrismaClient } from '../../platform/db.js';
import { RETRY_AFTER_SECONDS } from '../problems.js';
import { Health } from '../schemas.js';

const PROBE_TIMEOUT_MS = 2_000;

export const healthRoutes = (deps: { temporal: Client; db: PrismaClient }): FastifyPluginAsyncZod => async (app) => {
  app.get('/healthz', {
    config: { access: { public: true } },
    schema: { tags: ['ops'], summary: 'API, Temporal and database reachability', response: { 200: Health, 503: Health } },
  }, async (_request, reply) => {
    const [temporal, database] = await Promise.all([
      probe(() => deps.temporal.workflowService.getSystemInfo({})),
      probe(() => deps.db.$queryRaw`SELECT 1`),
    ]);
    const healthy = temporal && database;
    if (!healthy) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.status(healthy ? 200 : 503).send({
      status: healthy ? 'ok' : 'degraded',
      api: 'ok',
      temporal: temporal ? 'ok' : 'unreachable',
      database: database ? 'ok' : 'unreachable',
    });
  });
};

async function probe(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
