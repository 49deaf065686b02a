import type { DatasetSummary } from '../../../core/contract/host.ts';
import type { DatasetOptions } from '../../../core/graph/schema.ts';
import {
  boxUnitsText,
  formatName,
  imagesText,
  objectText,
  shareText,
  splitText,
} from './summary-text.ts';

const BOX_ROWS = [
  ['width', 'Width'],
  ['height', 'Height'],
  ['centerX', 'Centre x'],
  ['centerY', 'Centre y'],
] as const;

/** What the check found: format, images per split, classes, boxes, values, how it was split. */
export function DatasetSummaryView({
  summary,
  options,
}: {
  summary: DatasetSummary;
  /** The options the summary was made with. */
  options: DatasetOptions;
}) {
  const units = boxUnitsText(summary);
  return (
    <section className="dataset-summary" aria-label="Summary" data-testid="dataset-summary">
      <dl className="studio-facts">
        <dt>Format</dt>
        <dd data-testid="dataset-format">{formatName(summary.format)}</dd>
        <dt>Read from</dt>
        <dd data-testid="dataset-source" className="dataset-summary__source" title={summary.source}>
          {summary.source}
        </dd>
        <dt>Images</dt>
        <dd data-testid="dataset-images">{imagesText(summary)}</dd>
        <dt>Split</dt>
        <dd>{splitText(summary, options)}</dd>
        <dt>Objects</dt>
        <dd>{objectText(summary)}</dd>
        {units && (
          <>
            <dt>Box units</dt>
            <dd>{units}</dd>
          </>
        )}
      </dl>
      <div className="dataset-summary__tables">
        {summary.classes.length > 0 && (
          <table className="studio-table" data-testid="dataset-classes">
            <thead>
              <tr>
                <th>Class</th>
                <th className="studio-num">Train</th>
                <th className="studio-num">Validation</th>
                <th className="studio-num">Test</th>
              </tr>
            </thead>
            <tbody>
              {summary.classes.map((c) => (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td className="studio-num">{c.train}</td>
                  <td className="studio-num">{c.validation}</td>
                  <td className="studio-num">{c.test}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {summary.boxes && (
          <table className="studio-table" data-testid="dataset-boxes">
            <thead>
              <tr>
                <th>{summary.boxes.count.toLocaleString('en-US')} boxes, share of image</th>
                <th className="studio-num">Min</th>
                <th className="studio-num">Mean</th>
                <th className="studio-num">Max</th>
              </tr>
            </thead>
            <tbody>
              {BOX_ROWS.map(([key, label]) => {
                const range = summary.boxes![key];
                return (
                  <tr key={key}>
                    <td>{label}</td>
                    <td className="studio-num">{shareText(range.min)}</td>
                    <td className="studio-num">{shareText(range.mean)}</td>
                    <td className="studio-num">{shareText(range.max)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {summary.values.length > 0 && (
          <table className="studio-table" data-testid="dataset-values">
            <thead>
              <tr>
                <th>Value column</th>
                <th className="studio-num">Min</th>
                <th className="studio-num">Mean</th>
                <th className="studio-num">Max</th>
              </tr>
            </thead>
            <tbody>
              {summary.values.map((v) => (
                <tr key={v.column}>
                  <td>{v.column}</td>
                  <td className="studio-num">{Number(v.min.toPrecision(4))}</td>
                  <td className="studio-num">{Number(v.mean.toPrecision(4))}</td>
                  <td className="studio-num">{Number(v.max.toPrecision(4))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
