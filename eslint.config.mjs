// One lint config for the whole workspace. The nx module-boundary rule enforces the dependency
// direction of docs/ARCHITECTURE.md through project tags (set in each package.json "nx" block).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const ioModules = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'http2',
  'https',
  'dgram',
  'dns',
  'tls',
  'child_process',
  'cluster',
  'worker_threads',
  'timers',
  'timers/promises',
  'readline',
  'process',
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/dist-bench/**', '**/node_modules/**', '**/coverage/**', '.nx/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            // The rule engine is the root of the graph: it imports nothing of ours.
            { sourceTag: 'type:rules', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:proto', onlyDependOnLibsWithTags: ['type:rules'] },
            { sourceTag: 'type:telemetry', onlyDependOnLibsWithTags: ['type:rules'] },
            { sourceTag: 'type:store', onlyDependOnLibsWithTags: ['type:rules', 'type:proto'] },
            {
              sourceTag: 'type:control-plane',
              onlyDependOnLibsWithTags: [
                'type:rules',
                'type:proto',
                'type:store',
                'type:telemetry',
              ],
            },
            // The proxy shares only proto and rules with the control plane, never its code.
            {
              sourceTag: 'type:proxy',
              onlyDependOnLibsWithTags: ['type:rules', 'type:proto', 'type:telemetry'],
            },
            {
              sourceTag: 'type:cli',
              onlyDependOnLibsWithTags: [
                'type:rules',
                'type:proto',
                'type:store',
                'type:telemetry',
              ],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:cli',
                'type:control-plane',
                'type:proxy',
                'type:store',
                'type:proto',
                'type:telemetry',
                'type:rules',
              ],
            },
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: [
                'type:app',
                'type:rules',
                'type:proto',
                'type:store',
                'type:telemetry',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // The rule engine is pure: no sockets, no files, no timers, no process state.
    files: ['packages/rules/src/**/*.ts'],
    ignores: ['packages/rules/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.flatMap((m) => [
            { name: m, message: '@mesh/rules is pure: no I/O modules.' },
            { name: `node:${m}`, message: '@mesh/rules is pure: no I/O modules.' },
          ]),
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'process', 'fetch'].map((name) => ({
          name,
          message: '@mesh/rules is pure: no timers, process state or network.',
        })),
      ],
    },
  },
  {
    // The demo's services stand in for a user's own apps: they know nothing of the mesh.
    files: ['apps/bookinfo/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@mesh/*'], message: 'bookinfo is a plain app: node builtins only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
