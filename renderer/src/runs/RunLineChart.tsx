import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
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
  type AxisDomain,
} from 'recharts';
import type { ChartModel } from './chart-data.ts';
import { fixed } from './format.ts';
import { useOnScreen, useRedrawTurn } from './redraw-queue.ts';

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
const MARGIN = { top: 4, right: 12, bottom: 14, left: 6 };
const X_PADDING = { left: 6, right: 6 };
/**
 * Every tick given is drawn: the ticks are few and round already, and recharts' default
 * ('preserveEnd') measures each tick's text in the page to drop overlapping ones, at every draw.
 * Where the ticks are given, recharts is also told not to work out nice ticks of its own
 * (`niceTicks="none"`), which it would only throw away.
 */
const EVERY_TICK = 0;

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

const ZERO_LINE = <ReferenceLine yAxisId="left" y={0} stroke="var(--muted)" strokeWidth={1.5} />;

const tooltipValue = (v: unknown) => (typeof v === 'number' ? fixed(v) : String(v));

/** The largest x of the chart's rows. */
const lastX = (model: ChartModel, xKey: string): number =>
  Math.max(0, ...model.rows.map((row) => Number((row as Record<string, unknown>)[xKey]) || 0));

/** The same array as before while its values are the same. */
function useSameValues(values: number[] | undefined): number[] | undefined {
  const kept = useRef(values);
  const before = kept.current;
  if (
    values !== before &&
    (values === undefined ||
      before === undefined ||
      values.length !== before.length ||
      values.some((v, i) => v !== before[i]))
  ) {
    kept.current = values;
  }
  return kept.current;
}

/**
 * One run chart. Memoised on its props: the container hands it a memoised model, so it draws
 * again only when its own data (or the scale) changes, never for unrelated store updates; and
 * then on its turn (redraw-queue.ts), so the charts an epoch changes draw one per frame, and
 * a chart scrolled out of view draws when it comes back into view.
 * Animation is off everywhere: a chart that animates each update looks like it is wobbling.
 */
export const RunLineChart = memo(function RunLineChart(props: RunLineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const shown = useRedrawTurn(props, { onScreen: useOnScreen(box) });
  // How often the chart was drawn, for the end-to-end tests and `npm run bench:ui` to read.
  const draws = useRef(0);
  useEffect(() => {
    draws.current += 1;
    if (box.current) box.current.dataset.draws = String(draws.current);
  }, [shown]);
  return (
    <div className="run-line-chart" ref={box}>
      <LineChartView {...shown} />
    </div>
  );
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
  // Props keep their identity while their values stay: recharts stores each axis' settings and
  // replaces them, laying the chart out again, whenever one changes.
  // Recharts' own ticks on [0, auto] can be 0.65, 1.3, 1.95: round ones read better.
  const yTicks = useSameValues(
    useMemo(
      () =>
        signed ? [-1, -0.5, 0, 0.5, 1] : ratio || log ? undefined : zeroBasedTicks(leftMax(model)),
      [model, ratio, log, signed],
    ),
  );
  const yTop = yTicks?.[yTicks.length - 1];
  const xDomain = useMemo((): AxisDomain => [xMin, xMax ?? 'dataMax'], [xMin, xMax]);
  const yDomain = useMemo(
    (): AxisDomain =>
      signed ? [-1, 1] : ratio ? [0, 1] : log ? ['auto', 'auto'] : [0, yTop ?? 'auto'],
    [signed, ratio, log, yTop],
  );
  const xAxisLabel = useMemo(
    () => ({ value: xLabel, position: 'insideBottom' as const, offset: -10, style: AXIS_LABEL }),
    [xLabel],
  );
  const yAxisLabel = useMemo(
    () => ({ value: yLabel, angle: -90, position: 'insideLeft' as const, offset: 8, style: AXIS_LABEL }),
    [yLabel],
  );
  const tooltipLabel = useCallback((x: unknown) => `${xLabel} ${String(x)}`, [xLabel]);
  // The best epoch's line as the same element while it stays: recharts removes and adds a
  // reference line each time the element renders, and lays the chart out again for it.
  const markerX = marker?.x;
  const markerLabel = marker?.label;
  const markerRight =
    markerX !== undefined && markerX > (xMin + (xMax ?? lastX(model, xKey))) / 2;
  const markerLine = useMemo(
    () =>
      markerX !== undefined && (
        <ReferenceLine
          x={markerX}
          className="best-epoch-marker"
          stroke="var(--accent, #2f9e44)"
          strokeDasharray="3 3"
          // Right of the line in the left half, left of it in the right half: a label
          // drawn past the plot's edge is cut ("best 4" read "be").
          label={{
            value: markerLabel,
            position: markerRight ? 'insideTopRight' : 'insideTopLeft',
            style: AXIS_LABEL,
          }}
          ifOverflow="extendDomain"
        />
      ),
    [markerX, markerLabel, markerRight],
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
        margin={MARGIN}
        aria-label={`${name}; the arrow keys read the values`}
      >
        <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" />
        <XAxis
          dataKey={xKey}
          type="number"
          domain={xDomain}
          padding={X_PADDING}
          ticks={xTicks}
          niceTicks={xTicks ? 'none' : undefined}
          interval={EVERY_TICK}
          allowDecimals={false}
          tick={TICK}
          tickFormatter={shortNumber}
          label={xAxisLabel}
        />
        <YAxis
          scale={log ? 'log' : 'linear'}
          domain={yDomain}
          ticks={yTicks}
          niceTicks={yTicks ? 'none' : undefined}
          interval={EVERY_TICK}
          allowDataOverflow={log}
          width={50}
          tick={TICK}
          tickFormatter={shortNumber}
          label={yAxisLabel}
        />
        {signed && ZERO_LINE}
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
          labelFormatter={tooltipLabel}
          allowEscapeViewBox={ESCAPE}
          wrapperStyle={TOOLTIP_WRAPPER}
          contentStyle={TOOLTIP_CONTENT}
        />
        {markerLine}
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
