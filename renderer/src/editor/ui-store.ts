import { create } from 'zustand';
import type { ExampleGraph } from '../../../core/contract/host.ts';

/** Editor UI state that is no part of the graph: the notice, the open dialog, the templates. */

export type DialogName = 'summary' | 'shortcuts' | 'dataset' | 'saveAs' | 'restore';

export interface Notice {
  /** Changes with every notice, so the same sentence twice is shown again. */
  readonly id: number;
  readonly text: string;
  /** 'error': something was refused or failed, kept until dismissed; 'hint': a word on what
   * just happened, in the accent colour, that goes by itself. */
  readonly tone: 'error' | 'hint';
}

interface UiState {
  readonly notice: Notice | undefined;
  readonly dialog: DialogName | undefined;
  /** The engine's example graphs, offered as templates. */
  readonly examples: readonly ExampleGraph[];
  /** The training panel's height in pixels once the divider set it; two fifths of the window before. */
  readonly runsHeight: number | undefined;
  /** The training panel fills the window below the toolbar: results with room. */
  readonly resultsFull: boolean;
  /** Counts asks from outside the canvas to fit the view (heads added by Fit heads). */
  readonly fitRequests: number;
  requestFit(): void;
  setRunsHeight(height: number): void;
  setResultsFull(full: boolean): void;
  setExamples(examples: readonly ExampleGraph[]): void;
  showNotice(text: string, tone?: Notice['tone']): void;
  clearNotice(): void;
  openDialog(name: DialogName): void;
  closeDialog(): void;
}

export const useUiStore = create<UiState>()((set, get) => ({
  notice: undefined,
  dialog: undefined,
  examples: [],
  runsHeight: undefined,
  resultsFull: false,
  fitRequests: 0,
  requestFit: () => set({ fitRequests: get().fitRequests + 1 }),
  setRunsHeight: (height) => set({ runsHeight: Math.round(height) }),
  setResultsFull: (resultsFull) => set({ resultsFull }),
  setExamples: (examples) => set({ examples }),
  showNotice: (text, tone = 'error') =>
    set({ notice: { id: (get().notice?.id ?? 0) + 1, text, tone } }),
  clearNotice: () => {
    if (get().notice) set({ notice: undefined });
  },
  openDialog: (name) => set({ dialog: name }),
  closeDialog: () => set({ dialog: undefined }),
}));

/** For code outside React (actions, event handlers). */
export const showNotice = (text: string, tone?: Notice['tone']): void =>
  useUiStore.getState().showNotice(text, tone);
