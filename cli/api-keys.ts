// API keys from the command line: how the first OEM key comes to be, and a way to
// revoke one when the API is not at hand.
//   npm run api-key -- create --role OEM --name "lead desk" [--dealer DLR-X] [--expires 2027-01-01T00:00:00Z]
//   npm run api-key -- list
//   npm run api-key -- revoke <id>
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../domain/access.js';
import { createApiKeyStore } from '../platform/api-keys.js';
import { loadConfig } from '../platform/config.js';
import { createDb } from '../platform/db.js';

const USAGE = `usage:
  npm run api-key -- create --role OEM|DEALER|OPS --name <who> [--dealer <dealer id>] [--expires <ISO date>]
  npm run api-key -- list
  npm run api-key -- revoke <key id>`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { role: { type: 'string' }, name: { type: 'string' }, dealer: { type: 'string' }, expires: { type: 'string' } },
});
const [command, ...rest] = positionals;
const db = createDb(loadConfig(process.env, 'tool').DATABASE_URL);
const keys = createApiKeyStore(db);

try {
  if (command === 'create') {
    const role = values.role?.toUpperCase() as Role | undefined;
    if (!role || !ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
    if (!values.name) fail('--name is required');
    if (role === 'DEALER' && !values.dealer) fail('a DEALER key needs --dealer <dealer id>');
    if (values.dealer && !(await db.dealer.findUnique({ where: { id: values.dealer } }))) fail(`no dealer ${values.dealer}`);
    const expiresAt = values.expires ? new Date(values.expires) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) fail('--expires must be an ISO-8601 date');
    const created = await keys.create({ name: values.name, role, dealerId: values.dealer ?? null, expiresAt, createdBy: 'cli' });
    console.error(`created ${created.role} key "${created.name}" (id ${created.id}); it is shown once:`);
    console.log(created.key);
  } else if (command === 'list') {
    for (const k of await keys.list()) {
      const status = k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active';
      console.log([k.id, k.prefix, k.role, k.dealerId ?? '-', status, k.name].join('\t'));
    }
  } else if (command === 'revoke') {
    if (!rest[0]) fail('revoke needs the key id');
    // The CLI may revoke even the last OEM key: it is also the way to make a new one.
    const revoked = await keys.revoke(rest[0]).catch(() => null);
    if (!revoked || revoked === 'LAST_OEM_KEY') fail(`no key ${rest[0]}`);
    console.log(`revoked ${revoked.id} (${revoked.name})`);
  } else {
    fail(command ? `unknown command ${command}` : 'no command');
  }
} finally {
  await db.$disconnect();
}
