import type { BadRowInfo } from '../../../core/contract/host.ts';
import { badRowHeadline } from './summary-text.ts';

/** What was wrong in the data: counts by kind (the headline), then each row's sentence. */
export function BadRowReport({
  counts,
  rows,
  total,
}: {
  counts: Readonly<Record<string, number>>;
  rows: readonly BadRowInfo[];
  total: number;
}) {
  return (
    <section className="dataset-bad-rows" aria-label="Bad rows" data-testid="dataset-bad-rows">
      <h4>Bad rows</h4>
      <p className={total ? 'dataset-bad-rows__headline warn' : 'dataset-bad-rows__headline'}>
        {badRowHeadline(counts, total)}
      </p>
      {total > 0 && (
        <>
          <ol className="dataset-bad-rows__list" data-testid="dataset-bad-row-list">
            {rows.map((row, i) => (
              <li key={i} className={`bad-row--${row.action}`}>
                {row.message}
              </li>
            ))}
          </ol>
          {rows.length < total && (
            <p className="studio-muted">
              The first {rows.length} of {total.toLocaleString('en-US')} are listed.
            </p>
          )}
        </>
      )}
    </section>
  );
}
