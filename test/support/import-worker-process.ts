// A worker in its own process, so a test can kill it (SIGKILL) in the middle of an import.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { pino } from 'pino';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { createDb } from '../../platform/db.js';
import { createWorkers } from '../../workers/journey-worker.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const [DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE, JOURNEY_QUEUE] = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TASK_QUEUE', 'JOURNEY_QUEUE'].map((name) => process.env[name] ?? '') as [string, string, string, string];
const db = createDb(DATABASE_URL);
const temporal = new Client({ connection: await Connection.connect({ address: TEMPORAL_ADDRESS }) });
const intake = createLeadIntake({ db, temporal, taskQueue: JOURNEY_QUEUE, defaultCountry: 'DE', log: pino({ level: 'silent' }) });
// The run's workflow bundle (bundling again would cost this process seconds of CPU before it is ready).
const workflowBundle = process.env.WORKFLOW_BUNDLE ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE } } : {};
// Campaigns ask journeys (temporal); CAMPAIGN_WINDOW narrows their window so a test can kill one mid-page.
const campaignWindow = process.env.CAMPAIGN_WINDOW ? Number(process.env.CAMPAIGN_WINDOW) : undefined;
const worker = await createWorkers(await NativeConnection.connect({ address: TEMPORAL_ADDRESS }), { db, intake, temporal, campaignWindow }, { taskQueue: TASK_QUEUE, ...workflowBundle, kinds: ['bulk'] });
console.log('worker ready');
await worker.run();
