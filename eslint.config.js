import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'ui-dist/',
      'test-output/',
      'bench/peers/',
      'bench/results/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'better-sqlite3', message: 'Only src/store/ talks to SQLite.' },
            { name: 'postgres', message: 'Only src/store/ talks to PostgreSQL.' },
            { name: 'mailparser', message: 'Only src/mail/ parses MIME.' },
            { name: 'smtp-server', message: 'Only src/smtp/ owns the listener.' },
          ],
        },
      ],
    },
  },
  { files: ['src/store/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/mail/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/smtp/**', 'test/**', 'bench/**'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
);
