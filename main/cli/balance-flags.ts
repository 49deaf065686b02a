import {
  balancingSettingsSchema,
  balancingSpec,
  type BalancingSettings,
} from '../../core/balancing/methods.ts';
import { fieldOf, valueRule } from '../../core/graph/setting-fields.ts';
import { StudioError } from '../../core/problems.ts';

export const BALANCE_OPTIONS = {
  balance: { type: 'string' },
  'balance-param': { type: 'string', multiple: true },
} as const;

/**
 * `--balance NAME` and `--balance-param k=v` (repeatable) over the graph's own balancing,
 * checked by the schema of `training.balancing` (the method by its own field, the parameters by
 * the method's schema), as a settings patch: empty when neither flag is given.
 */
export function readBalanceFlags(
  values: { balance?: string | undefined; 'balance-param'?: string[] | undefined },
  base: BalancingSettings,
): { balancing?: BalancingSettings } {
  const { balance } = values;
  const pairs = values['balance-param'] ?? [];
  if (balance === undefined && pairs.length === 0) return {};
  const methodField = balancingSettingsSchema.shape.method;
  const chosen = balance === undefined ? undefined : methodField.safeParse(balance);
  if (chosen && !chosen.success) {
    throw new StudioError(
      'E_BAD_FLAG',
      `--balance must be ${valueRule(fieldOf('method', methodField))}; got '${balance}'.`,
    );
  }
  const method = chosen?.data ?? base.method;
  const params: Record<string, number> = method === base.method ? { ...base.params } : {};
  const known = Object.keys(balancingSpec(method).params.shape);
  for (const pair of pairs) {
    const [key = '', text, ...rest] = pair.split('=');
    const value = Number(text);
    if (text === undefined || rest.length || text.trim() === '' || !Number.isFinite(value)) {
      throw new StudioError('E_BAD_FLAG', `--balance-param takes key=number, not '${pair}'.`);
    }
    if (!known.includes(key)) {
      const has = known.length ? `its parameters are ${known.join(', ')}` : 'it has no parameters';
      throw new StudioError('E_BAD_FLAG', `${method} has no parameter '${key}'; ${has}.`);
    }
    params[key] = value;
  }
  const parsed = balancingSettingsSchema.safeParse({ ...base, method, params });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path.at(-1) ?? '');
    throw new StudioError(
      'E_BAD_FLAG',
      `--balance-param ${key}: ${issue?.message.replace(`${method}: `, '') ?? 'invalid'}.`,
    );
  }
  return { balancing: parsed.data };
}
