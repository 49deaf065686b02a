import { ReactFlowProvider } from '@xyflow/react';
import type { CSSProperties } from 'react';
import { Canvas } from '../editor/Canvas.tsx';
import { BrowserAutosaveOffer } from '../editor/BrowserAutosave.tsx';
import { Inspector } from '../editor/Inspector.tsx';
import { Palette } from '../editor/Palette.tsx';
import { ProblemsPanel } from '../editor/ProblemsPanel.tsx';
import { Toolbar } from '../editor/Toolbar.tsx';
import { useUiStore } from '../editor/ui-store.ts';
import { RunPanel } from '../runs/RunPanel.tsx';
import { useRunStore } from '../runs/run-store.ts';
import { PanelDivider } from './PanelDivider.tsx';

/**
 * The studio's layout: file and edit commands on top, the palette, the canvas and the inspector
 * with the graph's problems in the middle, and training with its live charts below, behind a
 * divider that resizes it (smaller until a run is shown); the results view gives training the whole window below the toolbar.
 * The editor reads the graph store, the run panel the run store, so a training update never
 * re-renders the canvas.
 */
export function App() {
  const runsHeight = useUiStore((s) => s.runsHeight);
  const full = useUiStore((s) => s.resultsFull);
  // Until a run is shown the panel holds the settings and a hint: the canvas gets the room.
  const idle = useRunStore((s) => s.selectedRunId === undefined);
  const style =
    runsHeight === undefined
      ? undefined
      : ({ '--runs-height': `${runsHeight}px` } as CSSProperties);
  return (
    <ReactFlowProvider>
      <div
        className={`studio${full ? ' studio--results' : ''}${idle ? ' studio--idle' : ''}`}
        style={style}
      >
        <header className="studio-toolbar">
          <Toolbar />
        </header>
        <aside className="studio-palette" aria-label="Layers" inert={full}>
          <Palette />
        </aside>
        <main className="studio-canvas" inert={full}>
          <Canvas />
        </main>
        <aside className="studio-side" aria-label="Inspector and problems" inert={full}>
          <Inspector />
          <ProblemsPanel />
        </aside>
        <section className="studio-runs" aria-label="Training">
          <PanelDivider />
          <RunPanel />
        </section>
        <BrowserAutosaveOffer />
      </div>
    </ReactFlowProvider>
  );
}
