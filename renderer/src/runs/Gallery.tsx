import { memo, useEffect, useRef } from 'react';
import type { GallerySample } from '../../../core/contract/host.ts';
import type { RunId } from '../../../core/ids.ts';
import { drawSample, headCaption, PREDICTED_COLOR, TRUE_COLOR } from './gallery-draw.ts';
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
          <GalleryItem key={i} sample={sample} />
        ))}
      </ul>
    </section>
  );
}

const GalleryItem = memo(function GalleryItem({ sample }: { sample: GallerySample }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) drawSample(canvas.current, sample, SCALE);
  }, [sample]);
  const several = sample.heads.length > 1;
  return (
    <li className="gallery-item" data-testid="gallery-item">
      <canvas
        ref={canvas}
        width={sample.width * SCALE}
        height={sample.height * SCALE}
        style={{ width: sample.width * SCALE, height: sample.height * SCALE }}
      />
      {sample.heads.map((head) => {
        const caption = headCaption(head);
        const mark = caption.ok === undefined ? '' : caption.ok ? ' ok' : ' wrong';
        return (
          <p key={head.task} className={`gallery-caption${mark}`}>
            {several && <span className="muted">{head.task}: </span>}
            {caption.text}
          </p>
        );
      })}
    </li>
  );
});
