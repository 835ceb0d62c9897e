// The dev stack's example web form: makes sure a form key for it exists (origin = this
// server), then serves the page on EXAMPLE_FORM_PORT.
import { loadConfig } from '../../platform/config.js';
import { createDb } from '../../platform/db.js';
import { createFormKeyStore } from '../form-keys.js';
import { startExampleFormServer } from './server.js';

const NAME = 'example form (dev stack)';
const WORDING_ID = 'example-newsletter-2026-en';
const port = Number(process.env.EXAMPLE_FORM_PORT ?? 3001);
const origin = `http://127.0.0.1:${port}`;

const config = loadConfig(process.env, 'tool');
const db = createDb(config.DATABASE_URL);
const keys = createFormKeyStore(db);
const known = (await keys.list()).find((k) => k.name === NAME && !k.revokedAt && k.allowedOrigins.includes(origin));
const key = known ?? (await keys.create({ name: NAME, campaign: 'dev-example-form', allowedOrigins: [origin], wordingIds: [WORDING_ID], createdBy: 'dev.sh' }));
await db.$disconnect();

const server = await startExampleFormServer({ apiUrl: config.PUBLIC_API_URL, formKey: key.key, wordingId: WORDING_ID }, { host: '127.0.0.1', port });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close().then(() => process.exit(0)));
console.log(`example web form at ${server.url} (form key ${key.key})`);
