import { useEffect, useRef } from 'react';
import type { GalleryMap, GalleryView } from '../../../core/tasks/task.ts';
import { decodeToRgba, type PixelImage } from './gallery-draw.ts';
import { classColor, cssColor, mapToRgba, SCALE_GRADIENT } from './gallery-maps.ts';

type Maps = NonNullable<GalleryView['maps']>;

/** One head's truth and prediction maps side by side, with the class legend or the scale. */
export function MapPair({
  task,
  maps,
  image,
  side,
}: {
  task: string;
  maps: Maps;
  image: PixelImage;
  side: number;
}) {
  const under =
    maps.truth.form === 'classes' &&
    image.width === maps.truth.width &&
    image.height === maps.truth.height
      ? decodeToRgba(image)
      : undefined;
  return (
    <figure className="gallery-maps" data-testid="gallery-maps" data-form={maps.truth.form}>
      <div className="gallery-map-pair">
        <MapCanvas
          label={`${task}, true`}
          map={maps.truth}
          range={maps.range}
          under={under}
          side={side}
        />
        <MapCanvas
          label={`${task}, predicted`}
          map={maps.prediction}
          range={maps.range}
          under={under}
          side={side}
        />
      </div>
      <figcaption className="muted">
        true · predicted
        {maps.range && (
          <span className="gallery-scale" data-testid="gallery-scale">
            {maps.range[0]}
            <i style={{ background: SCALE_GRADIENT }} aria-hidden="true" />
            {Number(maps.range[1].toPrecision(3))}
          </span>
        )}
      </figcaption>
    </figure>
  );
}

function MapCanvas({
  label,
  map,
  range,
  under,
  side,
}: {
  label: string;
  map: GalleryMap;
  range: Maps['range'];
  under: Uint8ClampedArray | undefined;
  side: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const target = canvas.current;
    const ctx = target?.getContext('2d');
    if (!target || !ctx) return;
    const source = document.createElement('canvas');
    source.width = map.width;
    source.height = map.height;
    source
      .getContext('2d')
      ?.putImageData(new ImageData(mapToRgba(map, range, under), map.width, map.height), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(source, 0, 0, target.width, target.height);
  }, [map, range, under]);
  return <canvas ref={canvas} role="img" aria-label={label} width={side} height={side} />;
}

/** The classes' colours, once for the gallery. */
export function ClassLegend({ classes }: { classes: readonly string[] }) {
  return (
    <span className="gallery-legend" data-testid="gallery-legend">
      {classes.map((name, k) => (
        <span key={name} className="run-legend-item">
          <i className="run-swatch" style={{ background: cssColor(classColor(k)) }} />
          {name}
        </span>
      ))}
    </span>
  );
}
