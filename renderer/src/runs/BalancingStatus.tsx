import { balancingAdvice } from '../../../core/balancing/advice.ts';
import { BALANCING } from '../../../core/balancing/methods.ts';
import type { Run } from './run-reducer.ts';

/** The run's balancing method (and its parameters), then any advice on the tasks' balance. */
export function BalancingStatus({ run }: { run: Run }) {
  const balancing = run.started?.balancing ?? run.settings.balancing;
  const method = balancing.method;
  const params = Object.entries(run.started?.balancing?.params ?? balancing.params)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const advice = balancingAdvice(run.epochs, method);
  const last = run.epochs.at(-1);
  // The fine-tune's phases: said by the epoch that unfroze, and while the trunk was frozen.
  const unfrozen = run.epochs.find((e) => e.unfrozen);
  return (
    <>
      <p className="run-note" data-testid="run-balancing-status" title={BALANCING[method].explain}>
        Balancing: <strong>{BALANCING[method].title}</strong>
        {params && ` (${params})`}
      </p>
      {unfrozen?.unfrozen && (
        <p className="run-note" data-testid="run-unfrozen">
          Unfrozen at epoch {unfrozen.epoch}: {unfrozen.unfrozen.join(', ')}.
        </p>
      )}
      {last?.trunkNote && (
        <p className="run-note" data-testid="run-trunk-note">
          {last.trunkNote}
        </p>
      )}
      {advice.map((line) => (
        <p key={line} className="run-note run-advice" data-testid="run-balancing-advice">
          {line}
        </p>
      ))}
    </>
  );
}
