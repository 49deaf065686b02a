import { useMemo, useState } from 'react';
import { ParamInput } from '../editor/ParamInput.tsx';
import { fieldTitle } from '../editor/param-schema.ts';
import { useDatasetStore } from './dataset-store.ts';
import { invalidOptionKeys, optionFields, optionValue } from './import-draft.ts';
import { optionsSummary } from './summary-text.ts';

const fields = optionFields();
const readFields = fields.filter((f) => !f.key.startsWith('augment.'));
const augmentFields = fields.filter((f) => f.key.startsWith('augment.'));

const noop = () => undefined;

/**
 * How the dataset is read, split and augmented: every option with its bounds and doc, folded
 * under a one-line summary (the defaults suit most datasets); open while a value is out of bounds.
 */
export function DatasetOptionsForm() {
  const options = useDatasetStore((s) => s.draft.options);
  const invalid = useMemo(() => invalidOptionKeys(options), [options]);
  const [open, setOpen] = useState(false);
  const draw = (group: typeof fields) =>
    group.map((field) => (
      <ParamInput
        key={field.key}
        field={field}
        testId={`dataset-option-${field.key}`}
        label={fieldTitle(field.name)}
        value={optionValue(options, field.key)}
        invalid={invalid.has(field.key)}
        onChange={(value) => useDatasetStore.getState().setOption(field.key, value)}
        onDone={noop}
      />
    ));
  return (
    <details
      className="dataset-options"
      data-testid="dataset-options"
      open={open || invalid.size > 0}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary data-testid="dataset-options-toggle">
        <h3>How it is read</h3>
        <span className="studio-muted">{optionsSummary(options)}</span>
      </summary>
      <div className="dataset-options__grid">{draw(readFields)}</div>
      <h4>Augmentation (training images only)</h4>
      <div className="dataset-options__grid">{draw(augmentFields)}</div>
    </details>
  );
}
