import { StudioError } from '../../core/problems.ts';

/** Codes let tests and the UI tell dataset errors apart without matching on the sentence. */
export type DatasetErrorCode =
  | 'E_DATASET_UNKNOWN'
  | 'E_DATASET_OPTION'
  | 'E_DATASET_LIMIT'
  | 'E_DATASET_TOO_LARGE'
  | 'E_DATASET_SOURCE'
  | 'E_DATASET_NOT_FOUND'
  | 'E_DATASET_FORMAT'
  | 'E_DATASET_UNREADABLE'
  | 'E_DATASET_COLUMNS'
  | 'E_DATASET_EMPTY';

/** An error whose message is one sentence naming the thing and the offending value. */
export class DatasetError extends StudioError {
  declare readonly code: DatasetErrorCode;

  constructor(code: DatasetErrorCode, message: string) {
    super(code, message);
    this.name = 'DatasetError';
  }
}

/** Renders a user-supplied value for an error sentence, including values of the wrong type. */
export function showValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'nothing';
  return JSON.stringify(value) ?? String(value);
}
