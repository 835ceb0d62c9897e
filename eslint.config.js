import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'generated/', '.tools/', '.data/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no clocks, no randomness.
    // Domain rules are bundled into it, so they are held to the same fence.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@prisma/*', 'pg', 'node:*', 'fs', 'crypto', '../activities/*', '../api/*', '../platform/*', '../intake/*', '../read-model/*', '../communications/*', 'zod'],
            message: 'workflows may import only workflow-safe modules (the Temporal workflow API, domain rules, type-only imports)',
            allowTypeImports: true },
        ],
      }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval'],
    },
  },
);
