import { errorsOf, type Problem } from '../../../core/problems.ts';

export interface StartState {
  /** The graph compiles: no error among its own problems. */
  readonly graphOk: boolean;
  /** The heads against the dataset's targets. */
  readonly bindings: readonly Problem[];
  /** Settings typed but not valid, by field, as the fields say them. */
  readonly invalidSettings: Readonly<Record<string, string>>;
  readonly running: boolean;
  readonly starting: boolean;
}

/**
 * Why Start cannot train now, as the sentence the button's tooltip and the note beside it show,
 * or undefined when it can. A run must never start with other settings than those shown, so a
 * field holding an invalid value blocks it as much as a problem in the graph does.
 */
export function startBlocker(state: StartState): string | undefined {
  if (!state.graphOk) return 'Fix the problems in the graph first (see Problems).';
  const binding = errorsOf(state.bindings)[0];
  if (binding) return binding.message;
  const invalid = Object.values(state.invalidSettings)[0];
  if (invalid) return invalid;
  if (state.running) return 'A run is in progress: stop it or wait for it to end.';
  if (state.starting) return 'Starting…';
  return undefined;
}
