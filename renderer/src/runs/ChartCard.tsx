import type { ReactNode } from 'react';

export interface ChartCardProps {
  /** Names the card and, through its caption, the figure. */
  readonly title: string;
  readonly testId: string;
  /** A colour mark before the title: the task's colour on a task's card. */
  readonly color?: string;
  /** A short line on the right of the caption: the shown run's latest values. */
  readonly aside?: ReactNode;
  /** What the card shows and what a good value looks like: the caption's tooltip. */
  readonly help?: string;
  readonly children: ReactNode;
}

/**
 * One card of the run panel's chart grid (`.run-cards`): a small chart with its caption, as
 * TensorBoard gives each scalar its own card. Any chart of the run panel is a card: put a
 * `ChartCard` (usually around a `RunLineChart`) in the grid and it takes a cell of it.
 */
export function ChartCard({ title, testId, color, aside, help, children }: ChartCardProps) {
  // A title cut short by a narrow card is read whole in the tooltip, with the help after it.
  return (
    <figure className="run-chart" data-testid={testId}>
      <figcaption title={help ? `${title}: ${help}` : title}>
        {color && <i className="run-swatch" style={{ background: color }} aria-hidden="true" />}
        <span className="run-chart-title">{title}</span>
        {help && (
          <span className="run-chart-help" role="img" aria-label={help}>
            ?
          </span>
        )}
        {aside !== undefined && <span className="run-chart-aside">{aside}</span>}
      </figcaption>
      {children}
    </figure>
  );
}
