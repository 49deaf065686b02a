import { useState } from 'react';
import {
  DEFAULT_EXPORT,
  EXPORT_FORMAT_TITLES,
  EXPORT_FORMATS,
  type ExportFormat,
} from '../../../core/contract/export.ts';
import type { RunId } from '../../../core/ids.ts';
import { useHost } from '../host/host-context.tsx';
import { exportRun } from './run-actions.ts';

/** The format to export a run's model in, and the button that exports it. */
export function ExportButton({
  runId,
  runName,
  exportable,
}: {
  runId: RunId;
  /** Names the run in the controls' accessible names: every run row has them. */
  runName: string;
  exportable: boolean;
}) {
  const host = useHost();
  const [format, setFormat] = useState<ExportFormat>(DEFAULT_EXPORT.format);
  const where = host.kind === 'browser' ? 'a zip download' : 'a folder you choose';
  return (
    <span className="export-control">
      <select
        aria-label={`Export format for ${runName}`}
        data-testid="export-format"
        value={format}
        disabled={!exportable}
        onChange={(e) => setFormat(e.target.value as ExportFormat)}
      >
        {EXPORT_FORMATS.map((f) => (
          <option key={f} value={f} title={EXPORT_FORMAT_TITLES[f]}>
            {EXPORT_FORMAT_LABELS[f]}
          </option>
        ))}
      </select>
      <button
        type="button"
        data-testid="btn-export"
        aria-label={`Export the model of ${runName}`}
        disabled={!exportable}
        title={
          exportable
            ? `Save the trained model as ${EXPORT_FORMAT_TITLES[format]}, as ${where}.`
            : 'A run has a model once it finished, or stopped after a whole epoch.'
        }
        onClick={() => void exportRun(host, runId, { format, checkpoint: 'best' })}
      >
        Export
      </button>
    </span>
  );
}

const EXPORT_FORMAT_LABELS: Record<ExportFormat, string> = {
  tfjs: 'TF.js',
  onnx: 'ONNX',
  pytorch: 'PyTorch',
  keras: 'Keras',
};
