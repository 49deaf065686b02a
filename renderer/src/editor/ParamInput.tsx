import { useId } from 'react';
import { boundsText, type ParamField } from '../../../core/graph/setting-fields.ts';
import { fieldTitle } from './param-schema.ts';
import { NumberInput } from './inputs.tsx';

interface Props {
  readonly field: ParamField;
  readonly value: unknown;
  /** Sets the value; typing into a field sends each complete value. */
  readonly onChange: (value: unknown) => void;
  readonly onDone: () => void;
  /** Suggestions for a text field (a head's dataset targets). */
  readonly suggestions?: readonly string[];
  /** This field is the one the analysis complains about. */
  readonly invalid?: boolean;
  /** Defaults: `param-<name>` and the name in words. */
  readonly testId?: string;
  readonly label?: string;
}

/** One parameter, drawn from its schema: the input, its bounds and its one-line doc. */
export function ParamInput(props: Props) {
  const { field, value, onChange, onDone, suggestions, invalid } = props;
  const id = useId();
  const testId = props.testId ?? `param-${field.name}`;
  const bounds = boundsText(field);
  const common = {
    id,
    'data-testid': testId,
    'aria-invalid': invalid || undefined,
    className: `studio-field__input${invalid ? ' studio-field__input--invalid' : ''}`,
    onBlur: onDone,
  };
  let input;
  switch (field.type) {
    case 'boolean':
      input = (
        <input
          {...common}
          type="checkbox"
          className="studio-field__check"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
        />
      );
      break;
    case 'enum': {
      const options = field.options ?? [];
      const known = options.includes(String(value));
      input = (
        <select {...common} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {!known && <option value={String(value)}>{String(value)} (invalid)</option>}
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'integer':
    case 'number':
      input = (
        <NumberInput
          {...common}
          value={value}
          min={field.min}
          max={field.max}
          step={field.type === 'integer' ? 1 : 'any'}
          onValue={onChange}
        />
      );
      break;
    default:
      input = (
        <>
          {/* Text params change as they are typed: one undo step per visit to the field. */}
          <input
            {...common}
            type="text"
            value={typeof value === 'string' ? value : String(value ?? '')}
            list={suggestions?.length ? `${id}-list` : undefined}
            spellCheck={false}
            onChange={(e) => onChange(e.target.value)}
          />
          {suggestions && suggestions.length > 0 && (
            <datalist id={`${id}-list`}>
              {suggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          )}
        </>
      );
  }
  return (
    <div className={`studio-field studio-field--${field.type}`}>
      <label htmlFor={id} className="studio-field__label">
        {props.label ?? fieldTitle(field.name)}
      </label>
      {input}
      <p className="studio-field__help">
        {field.description}
        {bounds && <span className="studio-field__bounds"> ({bounds})</span>}
      </p>
    </div>
  );
}
