import { memo, useEffect, useRef } from 'react';
import type { DatasetPreview } from '../../../core/contract/host.ts';
import { drawPixels, strokeBox, TRUE_COLOR } from '../runs/gallery-draw.ts';

/** Behind the box: keeps a green box visible on a green object. */
const OUTLINE = 'rgb(0 0 0 / 70%)';

/** Pictures of the dataset as the heads will see them, each with its chosen box and class. */
export function PreviewGrid({ previews }: { previews: readonly DatasetPreview[] }) {
  if (previews.length === 0) return null;
  return (
    <section className="dataset-preview" aria-label="Preview">
      <h4>
        Preview{' '}
        <span className="studio-muted">
          {previews.length} images, the chosen object’s box in green
        </span>
      </h4>
      <ul data-testid="dataset-preview">
        {previews.map((preview) => (
          <PreviewItem key={preview.key} preview={preview} />
        ))}
      </ul>
    </section>
  );
}

const PreviewItem = memo(function PreviewItem({ preview }: { preview: DatasetPreview }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const ctx = drawPixels(canvas.current, preview, 1);
    if (ctx && preview.box) {
      strokeBox(ctx, preview.box, OUTLINE, 4);
      strokeBox(ctx, preview.box, TRUE_COLOR, 2);
    }
  }, [preview]);
  return (
    <li className="dataset-preview__item" data-testid="dataset-preview-item" title={preview.key}>
      <canvas ref={canvas} width={preview.width} height={preview.height} />
      <p>
        <strong>{preview.className}</strong> <span className="studio-muted">{preview.split}</span>
      </p>
    </li>
  );
});
