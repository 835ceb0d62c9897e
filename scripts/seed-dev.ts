// Demo data for the local dev stack (idempotent): dealers, so hand-offs have somewhere
// to go, and one API key per role, written to .data/dev-keys.env for the README's curl.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../domain/access.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { loadConfig } from '../platform/config.js';
import { createDb } from '../platform/db.js';
import { createUserStore } from '../platform/users.js';
import { saveBrand } from '../communications/brands.js';
import { kpiTargets } from '../captains/targets.js';

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

const db = createDb(loadConfig(process.env, 'tool').DATABASE_URL);
for (const dealer of DEMO_DEALERS) {
  await db.dealer.upsert({ where: { id: dealer.id }, create: { ...dealer, brands: ['VW'], capacity: 50 }, update: {} });
}
console.log(`demo dealers: ${DEMO_DEALERS.map((d) => d.id).join(', ')}`);
// The demo dealers' brand: its name, sender and footer in German and English, one German text (docs/customer-care.md).
if (!(await db.brand.findUnique({ where: { id: 'VW' } }))) {
  await saveBrand(db, 'VW', {
    name: 'Volkswagen', defaultLanguage: 'de', senderName: 'Volkswagen', senderAddress: 'no-reply@volkswagen.example', isDefault: true,
    texts: {
      de: {
        legalFooter: 'Volkswagen Demo GmbH · Musterstraße 1 · 10115 Berlin · Amtsgericht Berlin HRB 00000',
        templates: { 'model-launch': { subject: 'Der neue {{model}} ist da', text: 'Hallo {{firstName}},\n\nder neue {{model}} ist da. {{offer}}\n\nIhr {{senderName}} Team' } },
      },
      en: { legalFooter: 'Volkswagen Demo GmbH · Musterstraße 1 · 10115 Berlin, Germany · Register court Berlin HRB 00000' },
    },
  });
}
console.log('demo brand: VW (Volkswagen)');

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
// Demo people for the workspace (created once; the password is in the startup banner).
const DEMO_PASSWORD = 'demo-password-2026';
const DEMO_USERS = [
  { email: 'sales@mitte.example', name: 'Mia Mitte', role: 'SALESPERSON', dealerId: 'DLR-BERLIN-MITTE' },
  { email: 'sales@nord.example', name: 'Nils Nord', role: 'SALES_MANAGER', dealerId: 'DLR-BERLIN-NORD' },
  { email: 'desk@oem.example', name: 'Dana Desk', role: 'OEM_LEAD_DESK', dealerId: null },
] as const;
const users = createUserStore(db);
for (const user of DEMO_USERS) {
  if (!(await db.userAccount.findUnique({ where: { email: user.email } }))) await users.create({ ...user, password: DEMO_PASSWORD, createdBy: 'seed-dev', mustChangePassword: false });
}
console.log(`demo workspace logins: ${DEMO_USERS.map((u) => u.email).join(', ')}`);

// The network's targets for this year, so the scorecard shows met / close / missed from the first
// lead (docs/scorecard.md); captains are named on /workspace/captains (each gets a Temporal Schedule).
const year = String(new Date().getUTCFullYear());
const targets = kpiTargets({ db });
for (const [kpi, target] of [['acceptedWithin15Minutes', 0.45], ['slaBreachRate', 0.1], ['acceptRate', 0.7], ['salesConversion', 0.3], ['nps', 30], ['complaintResolutionDays', 3]] as const) {
  await targets.set({ kpi, scope: { kind: 'NETWORK', id: '' }, period: year, target }, 'seed-dev');
}
console.log(`demo targets: the network's for ${year}`);

mkdirSync(join(keysFile, '..'), { recursive: true });
writeFileSync(keysFile, `# Dev API keys (local only): source this file, then curl with "Authorization: Bearer $OEM_KEY".\n${lines.join('\n')}\n`, { mode: 0o600 });
console.log(`dev API keys: ${keysFile}`);
await db.$disconnect();
