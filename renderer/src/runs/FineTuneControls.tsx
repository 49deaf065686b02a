import { useEffect, useState } from 'react';
import { nodesFeedingHeads } from '../../../core/graph/model-nodes.ts';
import { settingField, settingSchema } from '../../../core/graph/setting-fields.ts';
import { isFrozen, unfreezePlan } from '../../../core/graph/trainable.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { NumberField } from './NumberField.tsx';
import { useRunStore } from './run-store.ts';
import { editTraining } from './training-edit.ts';

/**
 * The fine-tune's second phase, so both phases are one run: the frozen nodes to unfreeze (all,
 * or some by id), the epoch they start training at, and the learning rate from then on. The
 * plan is checked here as the engine checks it: a name that is not a frozen node blocks Start.
 */
export function FineTuneControls() {
  const training = useGraphStore((s) => s.document.training);
  const analysis = useGraphStore((s) => s.analysis);
  const frozen = useGraphStore((s) => s.document.nodes.filter(isFrozen).length);
  const [draft, setDraft] = useState<string | null>(null);
  const setInvalid = useRunStore((s) => s.setInvalidSetting);
  const listError =
    draft !== null && !settingSchema('unfreeze').safeParse(draft.trim()).success
      ? `Unfreeze: a list of nodes to unfreeze is 'all' or node ids separated by commas; '${draft}' is not.`
      : undefined;
  const result = analysis.ok
    ? unfreezePlan(analysis, training, nodesFeedingHeads(analysis))
    : undefined;
  const planError = result && 'error' in result ? result.error : undefined;
  const error = listError ?? planError;
  useEffect(() => setInvalid('run-unfreeze', error), [setInvalid, error]);
  useEffect(() => () => setInvalid('run-unfreeze', undefined), [setInvalid]);

  const commitList = () => {
    if (draft === null || listError) return;
    setDraft(null);
    if (draft.trim() !== training.unfreeze) editTraining({ unfreeze: draft.trim() });
  };
  const at = training.unfreezeAt;
  const summary =
    frozen === 0
      ? 'no frozen nodes'
      : at === 0
        ? `${frozen} frozen node${frozen === 1 ? '' : 's'}, frozen for the whole run`
        : `${frozen} frozen, unfreeze ${training.unfreeze} at epoch ${at}${
            training.unfreezeLearningRate !== undefined
              ? ` at rate ${training.unfreezeLearningRate}`
              : ''
          }`;

  return (
    <details className="run-controls-settings" data-testid="run-fine-tune">
      <summary title="Select nodes and press Freeze to keep their weights; here they can start training at a later epoch">
        Fine-tuning: <span data-testid="run-fine-tune-summary">{summary}</span>
      </summary>
      <div className="run-settings-grid">
        <NumberField
          testId="run-unfreeze-at"
          label="Unfreeze at epoch (0: never)"
          value={at}
          setting="unfreezeAt"
          onCommit={(unfreezeAt) => unfreezeAt !== undefined && editTraining({ unfreezeAt })}
        />
        <label className="run-field run-field-wide" title={settingField('unfreeze').description}>
          <span>Nodes to unfreeze</span>
          <input
            data-testid="run-unfreeze"
            type="text"
            spellCheck={false}
            value={draft ?? training.unfreeze}
            aria-invalid={error !== undefined}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commitList}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commitList();
              if (e.key === 'Escape') setDraft(null);
            }}
          />
          {error && (
            <small className="run-field-error" data-testid="run-unfreeze-error">
              {error}
            </small>
          )}
        </label>
        <NumberField
          testId="run-unfreeze-lr"
          label="Learning rate from then"
          value={training.unfreezeLearningRate}
          emptyMeans="the same rate"
          placeholder="same"
          setting="unfreezeLearningRate"
          onCommit={(unfreezeLearningRate) => editTraining({ unfreezeLearningRate })}
        />
      </div>
    </details>
  );
}
