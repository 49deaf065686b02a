import type { BestEpoch, EventOf } from '../../../core/contract/training.ts';
import { monitorLabel } from './monitor.ts';

const round = (value: number) => Number(value.toPrecision(4));

/**
 * Why a run ended, as one sentence for run.json and the run status: "finished all 12 epochs;
 * best epoch 11 (validation total loss 0.21) restored", or early stopping's own sentence.
 */
export function endReasonOf(
  last: EventOf<'finished' | 'stopped' | 'failed'>,
  best: BestEpoch | undefined,
  restoreBest: boolean,
): string {
  const bestPart = best
    ? `best epoch ${best.epoch} (${monitorLabel(best.monitor)} ${round(best.value)})${restoreBest ? ' kept as the model' : ''}`
    : 'no epoch finished';
  switch (last.type) {
    case 'finished':
      return last.reason ?? `finished all ${last.epochs} epochs; ${bestPart}`;
    case 'stopped':
      return last.reason ?? `stopped by the user in epoch ${last.epoch}; ${bestPart}`;
    case 'failed':
      return `${last.message.replace(/\.$/, '')}; ${bestPart}`;
  }
}
