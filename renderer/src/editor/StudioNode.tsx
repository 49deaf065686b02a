import { memo, useEffect, useRef } from 'react';
import { Handle, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import type { StudioFlowNode } from './flow-elements.ts';
import { handleSides, useFlowDirection } from './flow-direction.ts';
import './editor.css';

/** Height a merge node needs so each input handle gets its own row. */
const PORT_ROW = 22;

/**
 * A node on the canvas: kind and id, key params, output shape and parameter count; heads show
 * their task and loss weight; problems are marked and the first error is spelled out.
 */
export const StudioNode = memo(function StudioNode({
  id,
  data,
  selected,
}: NodeProps<StudioFlowNode>) {
  const v = data.view;
  const ports = v.ports ? v.ports.split(' ') : [];
  const updateNodeInternals = useUpdateNodeInternals();
  // Handles are measured with their node; a merge that gains or loses a port must be measured
  // again. Not on mount: React Flow measures new nodes itself, and an early call would make a
  // queued fitView fit the first node alone.
  // The same when the graph turns from left-to-right to top-to-bottom: the handles move.
  const direction = useFlowDirection();
  const sides = handleSides(direction);
  const measured = useRef(`${v.ports}|${direction}`);
  useEffect(() => {
    if (measured.current === `${v.ports}|${direction}`) return;
    measured.current = `${v.ports}|${direction}`;
    updateNodeInternals(id);
  }, [id, v.ports, direction, updateNodeInternals]);
  const className = [
    'studio-node',
    `studio-node--${v.category}`,
    v.error ? 'studio-node--error' : v.warning ? 'studio-node--warning' : '',
    selected ? 'studio-node--selected' : '',
    v.frozen ? 'studio-node--frozen' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const many = ports.length > 1;
  return (
    <div
      className={className}
      style={many && direction === 'LR' ? { minHeight: 18 + ports.length * PORT_ROW } : undefined}
      data-testid="studio-node"
      data-node-id={v.id}
      data-frozen={v.frozen ? 'true' : undefined}
    >
      <div className="studio-node__head">
        <span className="studio-node__title">
          {v.frozen && (
            <svg
              className="studio-node__frozen"
              data-testid="node-frozen"
              role="img"
              aria-label="Frozen"
              viewBox="-8 -8 16 16"
            >
              <title>
                Frozen: its weights do not train (Unfreeze, or tick trainable in the inspector)
              </title>
              {/* A snowflake drawn, not a glyph: not every system font has ❄. */}
              <path d="M0-7V7M-6-3.5L6 3.5M-6 3.5L6-3.5M-2-5.5L0-3.5L2-5.5M-2 5.5L0 3.5L2 5.5" />
            </svg>
          )}
          {v.title}
        </span>
        <span className="studio-node__id" title={v.id}>
          {v.id}
        </span>
      </div>
      {v.label && <div className="studio-node__label">{v.label}</div>}
      {v.detail && (
        <div className="studio-node__detail" title={v.detail}>
          {v.detail}
        </div>
      )}
      {v.task !== undefined && (
        <div className="studio-node__task">
          weight <strong>{v.lossWeight}</strong>
        </div>
      )}
      <div className="studio-node__foot">
        <span
          className="studio-node__shape"
          data-testid="node-shape"
          title={
            v.shape
              ? 'Output shape (without the batch)'
              : 'Output shape unknown until the problems before it are fixed'
          }
        >
          {v.shape ?? '?'}
        </span>
        <span
          className="studio-node__params"
          data-testid="node-memory"
          title={
            v.memory
              ? `Parameters; training needs about ${v.memory} for this node (weights, gradients, optimizer state and its outputs at the batch size)`
              : 'Parameters'
          }
        >
          <span data-testid="node-params">{v.params ?? '?'}</span> params
          {v.frozen && ' frozen'}
        </span>
      </div>
      {v.error ? (
        <div
          className="studio-node__problem studio-node__problem--error"
          data-testid="node-error"
          title={v.error}
        >
          {v.error}
        </div>
      ) : v.warning ? (
        <div
          className="studio-node__problem studio-node__problem--warning"
          data-testid="node-warning"
          title={v.warning}
        >
          {v.warning}
        </div>
      ) : null}
      {ports.map((port, i) => (
        <Handle
          key={port}
          type="target"
          id={port}
          position={sides.input}
          className="studio-handle studio-handle--in"
          style={
            many
              ? {
                  [direction === 'TB' ? 'left' : 'top']: `${((i + 1) / (ports.length + 1)) * 100}%`,
                }
              : undefined
          }
          title={many ? `Input ${i + 1} (${port})` : 'Input'}
        >
          {many && <span className="studio-handle__label">{i + 1}</span>}
        </Handle>
      ))}
      {v.hasOutput && (
        <Handle
          type="source"
          id="out"
          position={sides.output}
          className="studio-handle studio-handle--out"
          title="Output: drag to a layer's input"
        />
      )}
    </div>
  );
});
