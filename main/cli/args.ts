import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StudioError } from '../../core/problems.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with its errors turned into one sentence each. */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: readonly string[],
  options: T,
) {
  try {
    return parseArgs({
      args: [...argv],
      options,
      allowPositionals: true as const,
      strict: true as const,
    });
  } catch (e) {
    const err = e as { code?: string; message: string };
    const flag = /'(-{1,2}[^',]+)/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const known = Object.keys(options)
        .map((o) => `--${o}`)
        .join(', ');
      throw new StudioError(
        'E_BAD_FLAG',
        `'${command}' has no option ${flag ?? ''}; its options are ${known}.`,
      );
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new StudioError(
        'E_BAD_FLAG',
        `The option ${flag ?? ''} of '${command}' needs a value (write ${flag ?? '--option'}=VALUE for a value that starts with '-').`,
      );
    }
    throw new StudioError(
      'E_BAD_FLAG',
      `Could not read the options of '${command}': ${err.message}`,
    );
  }
}

/** A whole-number flag that sets no training setting (those read their schema field), or undefined. */
export function intFlag(
  name: string,
  value: string | boolean | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim()) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new StudioError(
      'E_BAD_FLAG',
      `--${name} must be a whole number ${range}; got '${String(value)}'.`,
    );
  }
  return n;
}

export function choiceFlag<T extends string>(
  name: string,
  value: string | boolean | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new StudioError(
      'E_BAD_FLAG',
      `--${name} must be one of ${choices.join(', ')}; got '${String(value)}'.`,
    );
  }
  return value as T;
}

/** Exactly one positional argument, named for the error sentence. */
export function onePositional(
  command: string,
  what: string,
  positionals: readonly string[],
): string {
  const [first, ...extra] = positionals;
  if (!first)
    throw new StudioError('E_BAD_FLAG', `'${command}' needs ${what}; see 'npm run cli -- help'.`);
  if (extra.length) {
    throw new StudioError(
      'E_BAD_FLAG',
      `'${command}' takes one ${what}, but also got '${extra.join("', '")}'.`,
    );
  }
  return first;
}
