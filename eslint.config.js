import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layering (ARCHITECTURE.md, ports and adapters), checked rather than hoped for:
// the core knows its ports only, and the Pulumi program never loads handler runtime code.
const ADAPTERS_AND_SDKS = [
  { group: ['**/aws/**', '**/local/**', '**/handlers/lambda*'], message: 'The pipeline core imports no adapter: depend on handlers/core/ports.ts.' },
  { group: ['@aws-sdk/*', '@duckdb/*', '@pulumi/*', '@aws-lambda-powertools/*'], message: 'The pipeline core knows no SDK: adapters do.' },
];
const HANDLER_RUNTIME = [
  {
    group: ['**/handlers/local/**', '**/handlers/lambda*', '**/handlers/aws/*', '!**/handlers/aws/cleaner-environment.ts'],
    message: 'Components import no handler runtime: only pure data (handlers/core tables, names, limits).',
  },
  { group: ['**/handlers/core/zip-landing*', 'node-stream-zip', '@aws-sdk/*', '@duckdb/*'], message: 'The Pulumi program must not load the unpacker or an SDK client.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.lake/', '.bench/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['handlers/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: ADAPTERS_AND_SDKS }] } },
  { files: ['components/**/*.ts', 'index.ts'], rules: { 'no-restricted-imports': ['error', { patterns: HANDLER_RUNTIME }] } },
);
