import { Fragment, memo, useEffect, useRef, useState } from 'react';
import type { GallerySample } from '../../../core/contract/host.ts';
import type { RunId } from '../../../core/ids.ts';
import { shortNumbers } from '../../../core/tasks/task.ts';
import {
  detectionThreshold,
  drawSample,
  headView,
  PREDICTED_COLOR,
  sampleDescription,
  TRUE_COLOR,
} from './gallery-draw.ts';
import type { GalleryView } from '../../../core/tasks/task.ts';
import { ClassLegend, MapPair } from './GalleryMaps.tsx';
import { findRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

const SCALE = 2;

/** Validation images with the true (green) and predicted (orange) boxes and each head's answer. */
export function Gallery({ runId }: { runId: RunId }) {
  const gallery = useRunStore((s) => findRun(s, runId)?.gallery);
  const [threshold, setThreshold] = useState<number | undefined>(undefined);
  if (!gallery || gallery.length === 0) return null;
  const headThreshold = detectionThreshold(gallery);
  const shown = threshold ?? headThreshold;
  const first = gallery[0]!.heads.map(headView);
  const legend = first.find((v) => v.maps?.legend)?.maps?.legend;
  return (
    <section className="run-gallery" aria-label="Sample predictions">
      <h3>
        Validation samples
        <span className="run-legend-item">
          <i className="run-swatch" style={{ background: TRUE_COLOR }} />
          true box
        </span>
        <span className="run-legend-item">
          <i className="run-swatch" style={{ background: PREDICTED_COLOR }} />
          predicted box
        </span>
        {shown !== undefined && (
          <label className="run-legend-item">
            score ≥ {shown.toFixed(2)}
            <input
              type="range"
              min={0.05}
              max={1}
              step={0.05}
              value={shown}
              data-testid="score-threshold"
              aria-label="Score threshold for predicted objects"
              onChange={(e) => setThreshold(Number(e.target.value))}
            />
          </label>
        )}
        {legend && <ClassLegend classes={legend} />}
      </h3>
      <ul data-testid="gallery">
        {gallery.map((sample, i) => (
          <GalleryItem key={i} index={i} sample={sample} threshold={shown} />
        ))}
      </ul>
    </section>
  );
}

const GalleryItem = memo(function GalleryItem({
  index,
  sample,
  threshold,
}: {
  index: number;
  sample: GallerySample;
  threshold: number | undefined;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) drawSample(canvas.current, sample, SCALE, threshold);
  }, [sample, threshold]);
  const several = sample.heads.length > 1;
  return (
    <li className="gallery-item" data-testid="gallery-item">
      <canvas
        ref={canvas}
        role="img"
        aria-label={sampleDescription(index, sample.heads)}
        width={sample.width * SCALE}
        height={sample.height * SCALE}
        style={{ width: sample.width * SCALE, height: sample.height * SCALE }}
      />
      {sample.heads.map((head) => {
        const view = headView(head);
        const mark = view.ok === undefined ? '' : view.ok ? ' ok' : ' wrong';
        return (
          <Fragment key={head.task}>
            {view.maps && <MapPair task={head.task} maps={view.maps} image={sample} side={sample.width} />}
            <p className={`gallery-caption${mark}`}>
            {several && <span className="muted">{head.task}: </span>}
            {view.swatches ? (
              <span data-testid="gallery-swatches">
                true <Swatch color={view.swatches.truth} /> {shortNumbers(head.truth)} · predicted{' '}
                <Swatch color={view.swatches.prediction} /> {shortNumbers(head.prediction)}
              </span>
            ) : view.marks ? (
              <Marks marks={view.marks} />
            ) : (
              view.text
            )}
            </p>
          </Fragment>
        );
      })}
    </li>
  );
});

/** The colour three numbers stand for, beside them. */
const Swatch = ({ color }: { color: string }) => (
  <i className="run-swatch gallery-swatch" style={{ background: color }} title={color} aria-hidden="true" />
);

/** Attributes by verdict: on and found, on but missed, predicted but off. */
const Marks = ({ marks }: { marks: NonNullable<GalleryView['marks']> }) =>
  marks.length === 0 ? (
    <span className="muted">none on</span>
  ) : (
    <span data-testid="gallery-marks">
      {marks.map((m) => (
        <span key={m.name} className={`gallery-mark ${m.verdict}`} title={MARK_WORDS[m.verdict]}>
          {m.verdict === 'hit' ? '✓' : '✗'} {m.name}{' '}
        </span>
      ))}
    </span>
  );

const MARK_WORDS = { hit: 'on, found', missed: 'on, missed', extra: 'off, predicted on' } as const;
