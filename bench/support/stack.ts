// What the benches that drive journeys through the API share: a fresh database, a dev server,
// the client, a worker connection and the intake on a task queue of the run's own; and the two
// measures they print (the median of a run, the time of one call).
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { createDb } from '../../platform/db.js';
import { createFreshDatabase, startTemporalDevServer } from '../../test/support/infra.js';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function timed(call: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await call();
  return performance.now() - t;
}

export async function startBenchStack(name: string) {
  const log = pino({ level: 'silent' });
  const database = await createFreshDatabase(`l2l_bench_${name}`);
  const env = await startTemporalDevServer();
  const db = createDb(database.databaseUrl);
  const temporal = env.client as Client;
  const taskQueue = `bench-${name}-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: env.address });
  const intake = createLeadIntake({ db, temporal, taskQueue, defaultCountry: 'DE', log });
  return {
    log, db, temporal, taskQueue, connection, intake, address: env.address,
    async teardown() {
      await connection.close();
      await db.$disconnect();
      await env.teardown();
      await database.drop();
    },
  };
}
