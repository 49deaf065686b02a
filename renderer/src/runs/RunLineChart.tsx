import { memo, useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ChartModel } from './chart-data.ts';
import { fixed } from './format.ts';
import { useRedrawTurn } from './redraw-queue.ts';

export interface RunLineChartProps {
  /** The chart's accessible name: what it plots. */
  readonly name: string;
  readonly model: ChartModel;
  /** 'step' for per-batch charts, 'epoch' for per-epoch ones. */
  readonly xKey: 'step' | 'epoch';
  /** The run's planned extent, so the x axis does not rescale with every update. */
  readonly xMax?: number;
  /** The y axis' label: "loss", "accuracy", "loss ÷ first value"… */
  readonly yLabel: string;
  readonly log?: boolean;
  /** Fixed 0–1 axis for ratios (accuracy, IoU). */
  readonly ratio?: boolean;
  /** Fixed −1–1 axis with the zero line marked (cosines). */
  readonly signed?: boolean;
  /** Name the lines in a legend inside the chart (the per-epoch cards share one above). */
  readonly legend?: boolean;
  readonly height?: number;
  /** A vertical line at one x, labelled (the best epoch). */
  readonly marker?: { readonly x: number; readonly label: string };
}

const HEIGHT = 150;
const TICK = { fontSize: 11 };

/** "0.0123" → "0.012", "1234" → "1.2k": short tick labels. */
export function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  if (a >= 1) return String(Number(v.toPrecision(3)));
  return String(Number(v.toPrecision(2)));
}

/** Round tick values (multiples of 1, 2, 2.5 or 5 × 10^k) from `min` to `max`, about `count`. */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const nice = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const step = integer ? Math.max(1, Math.round(nice)) : nice;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Round ticks from 0 to the first round value at or above `max`: a loss axis. */
export function zeroBasedTicks(max: number): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const [, second = max] = niceTicks(0, max, 4);
  return Array.from({ length: Math.ceil(max / second - 1e-9) + 1 }, (_, i) =>
    Number((i * second).toPrecision(12)),
  );
}

/** The largest value drawn on the left axis. */
function leftMax(model: ChartModel): number {
  let max = 0;
  const keys = model.lines.map((l) => l.key);
  for (const row of model.rows) for (const k of keys) max = Math.max(max, row[k] ?? 0);
  return max;
}

const LEGEND_STYLE = { fontSize: 11, lineHeight: '14px', top: 0 };
/** The legend names the task (or metric); the line style already says train or validation. */
const legendName = (name: unknown) => String(name).replace(/ train$/, '');

const AXIS_LABEL = { fontSize: 11, fill: 'var(--muted)' };
/** The tooltip may leave the small chart upwards and downwards, so its values are not clipped. */
const ESCAPE = { x: false, y: true };
const TOOLTIP_WRAPPER = { zIndex: 20 };
const TOOLTIP_CONTENT = { fontSize: 11, padding: '4px 8px', background: 'var(--panel)' };

const tooltipValue = (v: unknown) => (typeof v === 'number' ? fixed(v) : String(v));

/** The largest x of the chart's rows. */
const lastX = (model: ChartModel, xKey: string): number =>
  Math.max(0, ...model.rows.map((row) => Number((row as Record<string, unknown>)[xKey]) || 0));

/**
 * One run chart. Memoised on its props: the container hands it a memoised model, so it draws
 * again only when its own data (or the scale) changes, never for unrelated store updates; and
 * then on its turn (redraw-queue.ts), so the charts an epoch changes draw one per frame.
 * Animation is off everywhere: a chart that animates each update looks like it is wobbling.
 */
export const RunLineChart = memo(function RunLineChart(props: RunLineChartProps) {
  return <LineChartView {...useRedrawTurn(props)} />;
});

const LineChartView = memo(function LineChartView({
  name,
  model,
  xKey,
  xMax,
  yLabel,
  log = false,
  ratio = false,
  signed = false,
  legend = false,
  height = HEIGHT,
  marker,
}: RunLineChartProps) {
  // A single epoch is one point: without a dot nothing would be visible.
  const single = model.rows.length === 1;
  const xLabel = xKey === 'step' ? 'batch' : 'epoch';
  const xMin = xKey === 'step' ? 0 : 1;
  // Epoch axes count whole epochs; recharts' own ticks on a fixed domain can land on 1050.
  const xTicks = useMemo(
    () => (xMax === undefined ? undefined : niceTicks(xMin, xMax, Math.min(5, xMax - xMin), true)),
    [xMin, xMax],
  );
  // Recharts' own ticks on [0, auto] can be 0.65, 1.3, 1.95: round ones read better.
  const yTicks = useMemo(
    () =>
      signed ? [-1, -0.5, 0, 0.5, 1] : ratio || log ? undefined : zeroBasedTicks(leftMax(model)),
    [model, ratio, log, signed],
  );
  if (model.rows.length === 0) {
    return (
      <div className="run-chart-empty" style={{ height }}>
        {xKey === 'step' ? 'Waiting for the first batches…' : 'Waiting for the first epoch…'}
      </div>
    );
  }
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart
        data={model.rows as object[]}
        margin={{ top: 4, right: 12, bottom: 14, left: 6 }}
        aria-label={`${name}; the arrow keys read the values`}
      >
        <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
        <XAxis
          dataKey={xKey}
          type="number"
          domain={[xMin, xMax ?? 'dataMax']}
          padding={{ left: 6, right: 6 }}
          ticks={xTicks}
          allowDecimals={false}
          tick={TICK}
          tickFormatter={shortNumber}
          label={{ value: xLabel, position: 'insideBottom', offset: -10, style: AXIS_LABEL }}
        />
        <YAxis
          scale={log ? 'log' : 'linear'}
          domain={
            signed
              ? [-1, 1]
              : ratio
                ? [0, 1]
                : log
                  ? ['auto', 'auto']
                  : [0, yTicks?.[yTicks.length - 1] ?? 'auto']
          }
          ticks={yTicks}
          allowDataOverflow={log}
          width={50}
          tick={TICK}
          tickFormatter={shortNumber}
          label={{ value: yLabel, angle: -90, position: 'insideLeft', offset: 8, style: AXIS_LABEL }}
        />
        {signed && <ReferenceLine yAxisId="left" y={0} stroke="var(--muted)" strokeWidth={1.5} />}
        {legend && (
          <Legend
            verticalAlign="top"
            align="right"
            height={18}
            iconSize={10}
            wrapperStyle={LEGEND_STYLE}
            formatter={legendName}
            itemSorter={null}
          />
        )}
        <Tooltip
          isAnimationActive={false}
          formatter={tooltipValue}
          labelFormatter={(x) => `${xLabel} ${String(x)}`}
          allowEscapeViewBox={ESCAPE}
          wrapperStyle={TOOLTIP_WRAPPER}
          contentStyle={TOOLTIP_CONTENT}
        />
        {marker && (
          <ReferenceLine
            x={marker.x}
            className="best-epoch-marker"
            stroke="var(--accent, #2f9e44)"
            strokeDasharray="3 3"
            // Right of the line in the left half, left of it in the right half: a label
            // drawn past the plot's edge is cut ("best 4" read "be").
            label={{
              value: marker.label,
              position: marker.x > (xMin + (xMax ?? lastX(model, xKey))) / 2 ? 'insideTopRight' : 'insideTopLeft',
              style: AXIS_LABEL,
            }}
            ifOverflow="extendDomain"
          />
        )}
        {model.lines.map((line) => (
          <Line
            key={line.key}
            dataKey={line.key}
            name={line.name}
            type="linear"
            stroke={line.color}
            strokeWidth={line.width}
            strokeOpacity={line.opacity}
            strokeDasharray={line.dash}
            dot={single ? { r: 3, fill: line.color, strokeWidth: 0, strokeDasharray: '' } : false}
            activeDot={false}
            connectNulls
            legendType={line.legend ? 'plainline' : 'none'}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
});
