import { memo, useContext } from 'react';
import { createPortal } from 'react-dom';
import { BaseEdge, getBezierPath, type EdgeProps } from '@xyflow/react';
import { EdgeLabelLayer } from './edge-label-layer.ts';
import type { ShapeFlowEdge } from './flow-elements.ts';
import './editor.css';

/** A link with the shape it carries written on it ("?" until its source has a shape). */
export const ShapeEdge = memo(function ShapeEdge({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  data,
  selected,
}: EdgeProps<ShapeFlowEdge>) {
  const [path, labelX, labelY] = getBezierPath({
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
  });
  const layer = useContext(EdgeLabelLayer);
  const shape = data?.shape;
  const className = [
    'studio-edge',
    data?.broken ? 'studio-edge--broken' : '',
    selected ? 'studio-edge--selected' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <>
      <BaseEdge id={id} path={path} className={className} />
      {layer &&
        createPortal(
          <div
            className={`studio-edge-label${shape ? '' : ' studio-edge-label--unknown'}${selected ? ' studio-edge-label--selected' : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-testid="edge-shape"
            data-edge-id={id}
          >
            {shape ?? '?'}
          </div>,
          layer,
        )}
    </>
  );
});
