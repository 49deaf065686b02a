/**
 * Intersection over union of two [xmin, ymin, xmax, ymax] boxes; an inverted box has no area.
 * The one definition in TypeScript: metrics, the gallery and tests read it from here (the engine's
 * tensor form and the exported Python helper are checked against it).
 */
export function boxIoU(a: ArrayLike<number>, b: ArrayLike<number>, at = 0, bt = 0): number {
  const area = (x0: number, y0: number, x1: number, y1: number) =>
    Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const [ax0, ay0, ax1, ay1] = [a[at]!, a[at + 1]!, a[at + 2]!, a[at + 3]!];
  const [bx0, by0, bx1, by1] = [b[bt]!, b[bt + 1]!, b[bt + 2]!, b[bt + 3]!];
  const inter = area(
    Math.max(ax0, bx0),
    Math.max(ay0, by0),
    Math.min(ax1, bx1),
    Math.min(ay1, by1),
  );
  const union = area(ax0, ay0, ax1, ay1) + area(bx0, by0, bx1, by1) - inter;
  return inter / Math.max(union, 1e-7);
}
