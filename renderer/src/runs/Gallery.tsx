import { memo, useEffect, useRef } from 'react';
import type { GallerySample } from '../../../core/contract/host.ts';
import type { RunId } from '../../../core/ids.ts';
import {
  drawSample,
  headCaption,
  PREDICTED_COLOR,
  rgbSwatch,
  sampleDescription,
  short,
  TRUE_COLOR,
} from './gallery-draw.ts';
import { findRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

const SCALE = 2;

/** Validation images with the true (green) and predicted (orange) boxes and each head's answer. */
export function Gallery({ runId }: { runId: RunId }) {
  const gallery = useRunStore((s) => findRun(s, runId)?.gallery);
  if (!gallery || gallery.length === 0) return null;
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
      </h3>
      <ul data-testid="gallery">
        {gallery.map((sample, i) => (
          <GalleryItem key={i} index={i} sample={sample} />
        ))}
      </ul>
    </section>
  );
}

const GalleryItem = memo(function GalleryItem({
  index,
  sample,
}: {
  index: number;
  sample: GallerySample;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) drawSample(canvas.current, sample, SCALE);
  }, [sample]);
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
        const caption = headCaption(head);
        const mark = caption.ok === undefined ? '' : caption.ok ? ' ok' : ' wrong';
        const truth = head.targetKind === 'numeric' ? rgbSwatch(head.truth) : undefined;
        const predicted = head.targetKind === 'numeric' ? rgbSwatch(head.prediction) : undefined;
        return (
          <p key={head.task} className={`gallery-caption${mark}`}>
            {several && <span className="muted">{head.task}: </span>}
            {truth && predicted ? (
              <span data-testid="gallery-swatches">
                true <Swatch color={truth} /> {short(head.truth)} · predicted{' '}
                <Swatch color={predicted} /> {short(head.prediction)}
              </span>
            ) : (
              caption.text
            )}
          </p>
        );
      })}
    </li>
  );
});

/** The colour three numbers stand for, beside them. */
const Swatch = ({ color }: { color: string }) => (
  <i className="run-swatch gallery-swatch" style={{ background: color }} title={color} aria-hidden="true" />
);
