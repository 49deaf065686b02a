import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../../../core/problems.ts';
import { MAX_DOCUMENT_BYTES, readRegularFileIfAny } from '../../fs/regular-file.ts';
import { replaceFolder, writeFileAtomic } from '../atomic-write.ts';
import { BALANCING_FILE, STATE_FILE } from '../../runs/run-manifest.ts';
import { saveModel } from '../model-io.ts';
import type { tf, LayersModel } from '../tf.ts';
import { loadOptimizerState, saveOptimizerState } from './optimizer-state.ts';
import type { ControlState } from './training-control.ts';

const STATE_LIMITS = { what: 'checkpoint file', maxBytes: MAX_DOCUMENT_BYTES } as const;

/** Something in the training step that keeps state across steps, as JSON. */
export interface Stateful {
  getState(): unknown;
  setState(state: unknown): void;
}

/** Where a run stands after an epoch: with the model and optimizer files, enough to go on exactly. */
export interface CheckpointState {
  readonly format: 'multitask-studio/checkpoint';
  readonly epochsCompleted: number;
  readonly steps: number;
  readonly control: ControlState;
  /**
   * The size and SHA-256 of every other file of the checkpoint as it was written, so a folder
   * whose parts do not belong together is refused; checkpoints of older versions have none.
   */
  readonly files?: Readonly<Record<string, { bytes: number; sha256: string }>>;
}

export interface CheckpointParts {
  readonly model: LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly state: CheckpointState;
  readonly balancing?: Stateful;
}

/**
 * Writes a checkpoint folder (the model, the optimizer's moments, balancing.json and state.json)
 * as one set: the new folder replaces the old only once it is complete, so a crash leaves the
 * previous epoch's checkpoint whole.
 */
export async function saveCheckpoint(dir: string, parts: CheckpointParts): Promise<void> {
  await replaceFolder(dir, async (temp) => {
    await saveModel(parts.model, temp);
    await saveOptimizerState(parts.optimizer, temp);
    if (parts.balancing) await saveBalancingState(temp, parts.balancing);
    const state: CheckpointState = { ...parts.state, files: await fingerprints(temp) };
    await writeFileAtomic(join(temp, STATE_FILE), JSON.stringify(state));
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function fingerprints(
  dir: string,
): Promise<Record<string, { bytes: number; sha256: string }>> {
  const files: Record<string, { bytes: number; sha256: string }> = {};
  for (const name of (await readdir(dir)).sort()) {
    const bytes = await readFile(join(dir, name));
    files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }
  return files;
}

/** Refuses a checkpoint whose files are not the ones its state.json was written with. */
async function assertWhole(dir: string, state: CheckpointState): Promise<void> {
  for (const [name, expected] of Object.entries(state.files ?? {})) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(dir, name));
    } catch {
      throw new StudioError(
        'E_CHECKPOINT_TORN',
        `The checkpoint in ${dir} is incomplete: ${name} is missing, so the run cannot be resumed from it.`,
      );
    }
    if (bytes.byteLength !== expected.bytes || sha256(bytes) !== expected.sha256) {
      throw new StudioError(
        'E_CHECKPOINT_TORN',
        `The checkpoint in ${dir} is torn: ${name} is not the file saved with its state.json (epoch ${state.epochsCompleted}), so the run cannot be resumed from it.`,
      );
    }
  }
}

/** Writes the task-balancing method's state (balancing.json) into a folder. */
export async function saveBalancingState(dir: string, balancing: Stateful): Promise<void> {
  await writeFileAtomic(join(dir, BALANCING_FILE), JSON.stringify(balancing.getState()));
}

/** A checkpoint read back: its state, and the optimizer and balancing restored on demand. */
export interface ResumePoint {
  readonly dir: string;
  readonly state: CheckpointState;
  restoreOptimizer(optimizer: tf.Optimizer): Promise<void>;
  restoreBalancing(balancing: Stateful): Promise<void>;
}

export async function readCheckpoint(dir: string): Promise<ResumePoint> {
  const stateBytes = await readRegularFileIfAny(join(dir, STATE_FILE), STATE_LIMITS);
  let state: CheckpointState;
  try {
    state = JSON.parse(stateBytes?.toString('utf8') ?? '') as CheckpointState;
  } catch {
    throw new StudioError(
      'E_NO_CHECKPOINT',
      `There is no complete checkpoint in ${dir}: the run did not finish an epoch, or was made before runs kept one; it cannot be resumed.`,
    );
  }
  if (state.format !== 'multitask-studio/checkpoint' || !(state.epochsCompleted >= 1)) {
    throw new StudioError('E_NO_CHECKPOINT', `The checkpoint in ${dir} is not one this app wrote.`);
  }
  await assertWhole(dir, state);
  return {
    dir,
    state,
    restoreOptimizer: (optimizer) => loadOptimizerState(optimizer, dir),
    async restoreBalancing(balancing) {
      const bytes = await readRegularFileIfAny(join(dir, BALANCING_FILE), STATE_LIMITS);
      if (bytes) balancing.setState(JSON.parse(bytes.toString('utf8')));
    },
  };
}
