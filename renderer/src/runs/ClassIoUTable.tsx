import { classIoUCells } from '../../../core/format.ts';
import type { RunId } from '../../../core/ids.ts';
import { fixed } from './format.ts';
import { findRun } from './run-reducer.ts';
import { useRunStore } from './run-store.ts';

/**
 * After a run with a mask head: each class's IoU on the test split with its pixels in the truth,
 * so a mean IoU pulled down by one rare class reads as such. Kept in the run folder, so a
 * reopened run shows it too.
 */
export function ClassIoUTable({ runId }: { runId: RunId }) {
  const test = useRunStore((s) => findRun(s, runId)?.test);
  const tables = Object.entries(test?.perClass ?? {});
  if (!test || tables.length === 0) return null;
  return (
    <>
      {tables.map(([task, rows]) => (
        <section
          key={task}
          className="run-results class-iou"
          aria-label={`${task}: IoU per class on the test split`}
          data-testid="class-iou"
        >
          <h3>
            {task}: IoU per class · test mean IoU {fixed(test.tasks[task]?.meanClassIoU, 3)}
          </h3>
          <table data-testid="class-iou-table">
            <thead>
              <tr>
                <th>class</th>
                <th className="num">IoU</th>
                <th className="num">pixels</th>
                <th className="num">share</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const cells = classIoUCells(row);
                return (
                  <tr key={row.name}>
                    <td>{row.name}</td>
                    <td className="num">{cells.iou}</td>
                    <td className="num">{cells.pixels}</td>
                    <td className="num">{cells.share}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.some((r) => r.iou === null) && (
            <p className="run-note">
              – : the class is neither in the test masks nor predicted; the mean leaves it out.
            </p>
          )}
        </section>
      ))}
    </>
  );
}
