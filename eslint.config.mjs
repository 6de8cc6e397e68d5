import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.serverless/**', '.build/**', '.esbuild/**', 'coverage/**', 'dist/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The pure layers (docs/contributing.md): rules and scoring only, tested without mocks. AWS is
    // reached through adapters; configuration and clocks are passed in.
    files: ['functions/shared/domain/**/*.ts', 'functions/shared/hunting/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@aws-sdk/*', '@smithy/*'], message: 'domain/ and hunting/ are pure: call AWS from an adapter (functions/shared/adapters/) and pass the result in.' }] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'domain/ and hunting/ are pure: read configuration in functions/shared/config.ts and pass it in.' }],
    },
  },
);
