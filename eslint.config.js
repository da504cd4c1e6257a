// ESLint: typescript-eslint's type-checked recommendations over src/, test/, bin/ and the config and ops scripts.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/', 'coverage/', 'reports/', '.chat-node/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.lint.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Terminal code matches and escapes control characters (ESC sequences, C0 bytes) on purpose.
      'no-control-regex': 'off',
      // A sync body implements a Promise-returning interface with `async`, so its throws become rejections.
      '@typescript-eslint/require-await': 'off',
      // `_name` marks a value left out on purpose (`const { secret: _secret, ...rest } = x`, an unused callback parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // A callback made before the value it reads exists checks for it; a const there would throw (TDZ).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // A caught error or an AbortSignal's reason is passed on as it came, whatever was thrown.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.any, expect.stringContaining, ...) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
);
