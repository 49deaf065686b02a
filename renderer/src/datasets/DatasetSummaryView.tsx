import type { DatasetInfo, DatasetSummary } from '../../../core/contract/host.ts';
import type { DatasetOptions } from '../../../core/graph/schema.ts';
import {
  boxUnitsText,
  formatName,
  imagesText,
  objectText,
  shareText,
  splitText,
  targetsText,
  unlearnedClassesText,
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
  targets,
}: {
  summary: DatasetSummary;
  /** The options the summary was made with. */
  options: DatasetOptions;
  /** What a head can learn from it, by name. */
  targets: DatasetInfo['targets'];
}) {
  const units = boxUnitsText(summary);
  const unlearned = unlearnedClassesText(summary);
  return (
    <section className="dataset-summary" aria-label="Summary" data-testid="dataset-summary">
      <dl className="studio-facts">
        <dt>Format</dt>
        <dd data-testid="dataset-format">{formatName(summary.format)}</dd>
        <dt>Read from</dt>
        <dd data-testid="dataset-source" className="dataset-summary__source" title={summary.source}>
          {summary.source}
        </dd>
        <dt>Targets</dt>
        <dd data-testid="dataset-targets" title="A task head learns one of these, by name">
          {targetsText(targets)}
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
          <CountTable testId="dataset-classes" heading="Class" rows={summary.classes} />
        )}
        {unlearned && (
          <p className="dataset-summary__warning" data-testid="dataset-unlearned-classes">
            {unlearned}
          </p>
        )}
        {(summary.tasks ?? []).map((t) => (
          <CountTable
            key={t.task}
            testId={`dataset-task-${t.task}`}
            heading={t.kind === 'attributes' ? `${t.task} (images with it on)` : t.task}
            rows={t.classes}
          />
        ))}
        {summary.boxes && (
          <RangeTable
            testId="dataset-boxes"
            heading={`${summary.boxes.count.toLocaleString('en-US')} boxes, share of image`}
            rows={BOX_ROWS.map(([key, label]) => ({ label, ...summary.boxes![key] }))}
            show={shareText}
          />
        )}
        {summary.values.length > 0 && (
          <RangeTable
            testId="dataset-values"
            heading="Value column"
            rows={summary.values.map((v) => ({ label: v.column, ...v }))}
            show={(x) => String(Number(x.toPrecision(4)))}
          />
        )}
      </div>
    </section>
  );
}

/** Min, mean and max of a few quantities, one row each. */
function RangeTable({
  testId,
  heading,
  rows,
  show,
}: {
  testId: string;
  heading: string;
  rows: readonly { label: string; min: number; mean: number; max: number }[];
  show: (value: number) => string;
}) {
  return (
    <table className="studio-table" data-testid={testId}>
      <thead>
        <tr>
          <th>{heading}</th>
          <th className="studio-num">Min</th>
          <th className="studio-num">Mean</th>
          <th className="studio-num">Max</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <td>{row.label}</td>
            <td className="studio-num">{show(row.min)}</td>
            <td className="studio-num">{show(row.mean)}</td>
            <td className="studio-num">{show(row.max)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Images per split for each class of a task (or each attribute that is on). */
function CountTable({
  testId,
  heading,
  rows,
}: {
  testId: string;
  heading: string;
  rows: readonly { name: string; train: number; validation: number; test: number }[];
}) {
  return (
    <table className="studio-table" data-testid={testId}>
      <thead>
        <tr>
          <th>{heading}</th>
          <th className="studio-num">Train</th>
          <th className="studio-num">Validation</th>
          <th className="studio-num">Test</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <tr key={c.name}>
            <td>{c.name}</td>
            <td className="studio-num">{c.train}</td>
            <td className="studio-num">{c.validation}</td>
            <td className="studio-num">{c.test}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
