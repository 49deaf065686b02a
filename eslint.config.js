// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import direction per zone (STYLE.md): core imports nothing of ours and no runtime. */
const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

const mainZone = {
  group: ['**/electron/**', '**/renderer/**', 'electron', 'react', 'react-dom'],
  message: 'main is the Node engine: it imports only core.',
};

/**
 * The browser server and what it shares with the desktop host never train, so they never load
 * TensorFlow.js (it costs the server a second of start-up and hundreds of MB): no tfjs, and none
 * of the engine modules that load it. A test imports the server in a fresh process and checks.
 */
const noTensors = {
  group: [
    '@tensorflow/*',
    '**/engine/*',
    '!**/engine/atomic-write.ts',
    '**/runs/run-training.ts',
    '**/runs/run-folder.ts',
    '**/runs/dataset-for-run.ts',
    '**/processes/gallery.ts',
    '**/processes/training-process.ts',
    '**/datasets/import/index.ts',
    '**/datasets/import/reader.ts',
  ],
  message:
    'the browser host never loads TensorFlow.js; use the tensor-free module (e.g. runs/dataset-check.ts, runs/run-manifest.ts).',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'runs/**', 'dist/**', 'out/**', 'coverage/**', '.venv-ref/**'] },
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
    rules: restrict([mainZone]),
  },
  {
    files: [
      'main/web/**/*.ts',
      'main/app-host/**/*.ts',
      'main/processes/{run-supervisor,inspect-runner,run-request,process-protocol}.ts',
      'main/runs/{dataset-check,run-manifest,saved-runs}.ts',
    ],
    ignores: ['**/*.test.ts', 'main/app-host/test-dataset.ts'],
    rules: restrict([mainZone, noTensors]),
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
