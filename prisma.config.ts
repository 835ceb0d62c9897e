// Prisma CLI configuration. Migrations run through Prisma's WASM schema engine
// over the pg driver adapter, so no engine binary has to be downloaded.
import { defineConfig } from 'prisma/config';
import { migrationAdapter } from './prisma/migration-adapter.js';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => migrationAdapter(process.env.DATABASE_URL ?? ''),
});
