// Demo dealers for the local dev stack (idempotent), so hand-offs have somewhere to go.
// Dealer administration through the API comes with access control (issue 4).
import { loadConfig } from '../platform/config.js';
import { createDb } from '../platform/db.js';

const DEMO_DEALERS = [
  { id: 'DLR-BERLIN-MITTE', name: 'Autohaus Berlin Mitte', territory: ['101', '102', '103'], timeZone: 'Europe/Berlin' },
  { id: 'DLR-BERLIN-NORD', name: 'Autohaus Berlin Nord', territory: ['10', '13'], timeZone: 'Europe/Berlin' },
  { id: 'DLR-MUENCHEN', name: 'Autozentrum München', territory: ['80', '81'], timeZone: 'Europe/Berlin' },
];

const db = createDb(loadConfig().DATABASE_URL);
for (const dealer of DEMO_DEALERS) {
  await db.dealer.upsert({ where: { id: dealer.id }, create: { ...dealer, brands: ['VW'], capacity: 50 }, update: {} });
}
await db.$disconnect();
console.log(`demo dealers: ${DEMO_DEALERS.map((d) => d.id).join(', ')}`);
