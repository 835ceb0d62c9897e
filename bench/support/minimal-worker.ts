// The floor's worker process (bench/e2e.ts): the minimal journey and its one-row local activity.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const worker = await Worker.create({
  connection: await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! }),
  taskQueue: process.env.TASK_QUEUE!,
  workflowsPath: fileURLToPath(new URL('./minimal-journey.ts', import.meta.url)),
  activities: {
    async recordLead(leadId: string, customerId: string) {
      await pool.query('INSERT INTO bench_minimal_lead (lead_id, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [leadId, customerId]);
    },
  },
});
console.log('worker ready');
process.once('SIGTERM', () => worker.shutdown());
await worker.run();
await pool.end();
