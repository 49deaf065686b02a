import { ReactFlowProvider } from '@xyflow/react';
import { Canvas } from '../editor/Canvas.tsx';
import { Inspector } from '../editor/Inspector.tsx';
import { Palette } from '../editor/Palette.tsx';
import { ProblemsPanel } from '../editor/ProblemsPanel.tsx';
import { Toolbar } from '../editor/Toolbar.tsx';
import { RunPanel } from '../runs/RunPanel.tsx';

/**
 * The studio's layout: file and edit commands on top, the palette, the canvas and the inspector
 * with the graph's problems in the middle, and training with its live charts below. The editor
 * reads the graph store, the run panel the run store, so a training update never re-renders the
 * canvas.
 */
export function App() {
  return (
    <ReactFlowProvider>
      <div className="studio">
        <header className="studio-toolbar">
          <Toolbar />
        </header>
        <aside className="studio-palette">
          <Palette />
        </aside>
        <main className="studio-canvas">
          <Canvas />
        </main>
        <aside className="studio-side">
          <Inspector />
          <ProblemsPanel />
        </aside>
        <section className="studio-runs">
          <RunPanel />
        </section>
      </div>
    </ReactFlowProvider>
  );
}
