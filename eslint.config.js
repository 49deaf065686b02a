// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import direction per zone (STYLE.md): core imports nothing of ours and no runtime. */
const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'runs/**', 'dist/**', 'out/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Tests of the core may read fixtures from disk; the core itself may not.
    files: ['core/**/*.test.ts'],
    rules: restrict([
      {
        group: ['**/main/**', '**/electron/**', '**/renderer/**'],
        message: 'core is pure: it imports no other zone.',
      },
    ]),
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts'],
    rules: restrict([
      {
        group: ['**/main/**', '**/electron/**', '**/renderer/**'],
        message: 'core is pure: it imports no other zone.',
      },
      {
        group: ['node:*', 'fs', 'path', 'os', 'child_process'],
        message: 'core is pure: no Node imports.',
      },
      {
        group: ['@tensorflow/*', 'electron', 'react', 'react-dom'],
        message: 'core is pure: no tensors, Electron or DOM.',
      },
    ]),
  },
  {
    files: ['main/**/*.ts'],
    rules: restrict([
      {
        group: ['**/electron/**', '**/renderer/**', 'electron', 'react', 'react-dom'],
        message: 'main is the Node engine: it imports only core.',
      },
    ]),
  },
  {
    files: ['electron/**/*.ts'],
    rules: restrict([
      {
        group: ['**/renderer/**', 'react', 'react-dom'],
        message: 'the desktop shell talks to the renderer only through IPC.',
      },
    ]),
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    rules: restrict([
      {
        group: ['**/main/**', '**/electron/**', 'electron', 'node:*', '@tensorflow/*'],
        message: 'renderer talks to the engine only through the host interface.',
      },
    ]),
  },
);
