import {
  BALANCING,
  BALANCING_METHODS,
  balancingSettingsSchema,
  balancingSpec,
  type BalancingMethodName,
} from '../../../core/balancing/methods.ts';
import { z } from 'zod';
import { balancingRefusal } from '../../../core/balancing/trunk.ts';
import { schemaFields } from '../../../core/graph/setting-fields.ts';
import { fieldTitle } from '../editor/param-schema.ts';
import { useGraphStore } from '../graph/graph-store.ts';
import { NumberField } from './NumberField.tsx';
import { editTraining } from './training-edit.ts';

const probesField = balancingSettingsSchema.shape.probesPerEpoch;

/**
 * The run settings' Balancing menu: the method (saved with the graph as
 * `training.balancing`), what it does in one sentence, its parameters with bounds and docs from
 * its schema, and why it cannot train this graph when it cannot.
 */
export function BalancingMenu() {
  const balancing = useGraphStore((s) => s.document.training.balancing);
  const analysis = useGraphStore((s) => s.analysis);
  const spec = balancingSpec(balancing.method);
  const fields = schemaFields(spec.params);
  /** A parameter's own schema, without its default, so the field checks its bounds. */
  const paramSchema = (name: string) => {
    const field = (spec.params.shape as Record<string, z.ZodDefault<z.ZodNumber>>)[name];
    return field ? field.unwrap() : z.number();
  };
  const refusal = analysis.ok ? balancingRefusal(analysis, balancing.method) : undefined;

  const setMethod = (method: BalancingMethodName) =>
    editTraining({ balancing: { ...balancing, method, params: {} } });
  const setParam = (name: string, value: number | undefined) => {
    const params = { ...balancing.params };
    if (value === undefined) delete params[name];
    else params[name] = value;
    editTraining({ balancing: { ...balancing, params } });
  };

  return (
    <div className="run-balancing" data-testid="run-balancing">
      <div className="run-settings-grid">
        <label className="run-field run-field-wide">
          <span>Balancing</span>
          <select
            data-testid="run-balancing-method"
            value={balancing.method}
            title={spec.explain}
            onChange={(e) => setMethod(e.target.value as BalancingMethodName)}
          >
            {BALANCING_METHODS.map((name) => (
              <option key={name} value={name}>
                {BALANCING[name].title} ({BALANCING[name].level} level)
              </option>
            ))}
          </select>
        </label>
        {fields.map((field) => (
          <NumberField
            key={`${balancing.method}-${field.name}`}
            testId={`run-balancing-${field.name}`}
            label={fieldTitle(field.name)}
            value={balancing.params[field.name] ?? (field.defaultValue as number)}
            setting={{ name: field.name, schema: paramSchema(field.name) }}
            onCommit={(v) => setParam(field.name, v)}
          />
        ))}
        <NumberField
          testId="run-balancing-probes"
          label="Trunk probes per epoch"
          value={balancing.probesPerEpoch}
          setting={{ name: 'probesPerEpoch', schema: probesField.unwrap() }}
          onCommit={(v) =>
            v !== undefined && editTraining({ balancing: { ...balancing, probesPerEpoch: v } })
          }
        />
      </div>
      <p className="run-note" data-testid="run-balancing-explain">
        {spec.explain}
        {fields.length > 0 && ` ${fields.map((f) => `${fieldTitle(f.name)}: ${f.description}`).join(' ')}`}
      </p>
      {refusal && (
        <p className="run-note run-error" data-testid="run-balancing-refusal">
          {refusal}
        </p>
      )}
    </div>
  );
}
