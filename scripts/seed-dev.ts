// Demo data for the local dev stack (idempotent): dealers, so hand-offs have somewhere
// to go, and one API key per role, written to .data/dev-keys.env for the README's curl.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../domain/access.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { loadConfig } from '../platform/config.js';
import { createDb } from '../platform/db.js';

const DEMO_DEALERS = [
  { id: 'DLR-BERLIN-MITTE', name: 'Autohaus Berlin Mitte', territory: ['101', '102', '103'], timeZone: 'Europe/Berlin' },
  { id: 'DLR-BERLIN-NORD', name: 'Autohaus Berlin Nord', territory: ['10', '13'], timeZone: 'Europe/Berlin' },
  { id: 'DLR-MUENCHEN', name: 'Autozentrum München', territory: ['80', '81'], timeZone: 'Europe/Berlin' },
];
const DEV_KEYS: { variable: string; role: Role; dealerId: string | null; name: string }[] = [
  { variable: 'OEM_KEY', role: 'OEM', dealerId: null, name: 'dev OEM lead desk' },
  { variable: 'DEALER_KEY', role: 'DEALER', dealerId: 'DLR-BERLIN-MITTE', name: 'dev Autohaus Berlin Mitte' },
  { variable: 'DEALER_NORD_KEY', role: 'DEALER', dealerId: 'DLR-BERLIN-NORD', name: 'dev Autohaus Berlin Nord' },
  { variable: 'OPS_KEY', role: 'OPS', dealerId: null, name: 'dev ops' },
];

const db = createDb(loadConfig().DATABASE_URL);
for (const dealer of DEMO_DEALERS) {
  await db.dealer.upsert({ where: { id: dealer.id }, create: { ...dealer, brands: ['VW'], capacity: 50 }, update: {} });
}
console.log(`demo dealers: ${DEMO_DEALERS.map((d) => d.id).join(', ')}`);

// Keys are kept while they still work, so a shell that sourced the file stays valid.
const keysFile = join(process.env.DATA_DIR ?? '.data', 'dev-keys.env');
const keys = createApiKeyStore(db);
const existing = existsSync(keysFile) ? Object.fromEntries([...readFileSync(keysFile, 'utf8').matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]])) : {};
const lines: string[] = [];
for (const spec of DEV_KEYS) {
  const known = existing[spec.variable];
  const key = known && (await keys.authenticate(known)) ? known : (await keys.create({ ...spec, createdBy: 'seed-dev' })).key;
  lines.push(`export ${spec.variable}=${key}`);
}
mkdirSync(join(keysFile, '..'), { recursive: true });
writeFileSync(keysFile, `# Dev API keys (local only): source this file, then curl with "Authorization: Bearer $OEM_KEY".\n${lines.join('\n')}\n`, { mode: 0o600 });
console.log(`dev API keys: ${keysFile}`);
await db.$disconnect();
