import { memo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { DetectionSummary } from '../../../core/contract/host.ts';
import type { RunId } from '../../../core/ids.ts';
import { fixed } from './format.ts';
import { findRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

/** Class colours for the curves: distinct enough for ten classes side by side. */
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

/** After a run with a detection head: its test AP per class and precision–recall at IoU 0.5. */
export function DetectionResults({ runId }: { runId: RunId }) {
  const detection = useRunStore((s) => findRun(s, runId)?.detection);
  if (!detection || detection.length === 0) return null;
  return (
    <>
      {detection.map((d) => (
        <DetectionCard key={d.task} summary={d} />
      ))}
    </>
  );
}

const DetectionCard = memo(function DetectionCard({ summary }: { summary: DetectionSummary }) {
  const [ap, ap50] = summary.stats;
  const rows = summary.perClass.filter((c) => c.ap >= 0);
  // One row per recall point, a column per class: recharts draws each class as a line.
  const points = (summary.curves[0]?.recall ?? []).map((recall, i) => ({
    recall,
    ...Object.fromEntries(summary.curves.map((c) => [c.name, c.precision[i]])),
  }));
  return (
    <section className="run-results detection-results" aria-label={`${summary.task}: detection on the test split`} data-testid="detection-results">
      <h3>
        {summary.task}: test mAP@0.5 {fixed(ap50 ?? NaN, 3)} · mAP@0.5:0.95 {fixed(ap ?? NaN, 3)}
      </h3>
      <table data-testid="per-class-ap">
        <thead>
          <tr>
            <th>class</th>
            <th>AP@0.5:0.95</th>
            <th>AP@0.5</th>
            <th>AP@0.75</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.name}>
              <td>{c.name}</td>
              <td>{fixed(c.ap, 3)}</td>
              <td>{fixed(c.ap50, 3)}</td>
              <td>{fixed(c.ap75, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div role="img" aria-label={`${summary.task}: precision against recall per class at IoU 0.5`}>
          <LineChart width={380} height={240} data={points} margin={{ top: 8, right: 12, bottom: 16, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="recall" type="number" domain={[0, 1]} tick={{ fontSize: 11 }} label={{ value: 'recall', position: 'insideBottom', offset: -8, fontSize: 11 }} />
            <YAxis domain={[0, 1]} tick={{ fontSize: 11 }} label={{ value: 'precision', angle: -90, position: 'insideLeft', fontSize: 11 }} />
            <Tooltip formatter={(v) => fixed(Number(v), 3)} />
            <Legend verticalAlign="top" wrapperStyle={{ fontSize: 11 }} />
            {summary.curves.map((c, i) => (
              <Line key={c.name} dataKey={c.name} dot={false} isAnimationActive={false} stroke={COLORS[i % COLORS.length]} strokeWidth={1.5} />
            ))}
          </LineChart>
      </div>
    </section>
  );
});
