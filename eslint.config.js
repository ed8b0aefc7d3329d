import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', '.vnfm/', 'dist/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox.
    files: ['src/workflows/**/*.ts', 'src/conductor/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'child_process', 'net', 'http', 'https', 'dgram'].map((name) => ({
            name,
            message: 'no I/O in workflow code',
          })),
          patterns: [
            { group: ['node:*'], message: 'no I/O in workflow code' },
            {
              group: ['**/db/**', '**/generated/**', '@prisma/*'],
              message: 'workflows never touch the database',
            },
          ],
        },
      ],
    },
  },
);
