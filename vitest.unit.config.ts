// The pure rules alone, no servers: `npm run test:unit` for a quick loop while changing domain/.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['test/unit/**/*.test.ts'], env: { L2L_DEVELOPMENT: 'true' } } });
