/** What a dataset offers a task head to learn; the engine's datasets and the editor share it. */
export type DatasetTarget =
  | { readonly name: string; readonly kind: 'class'; readonly classes: readonly string[] }
  | { readonly name: string; readonly kind: 'box' }
  | { readonly name: string; readonly kind: 'numeric'; readonly columns: readonly string[] };

export const targetWidth = (t: DatasetTarget): number =>
  t.kind === 'class' ? t.classes.length : t.kind === 'box' ? 4 : t.columns.length;
