import { useRef } from 'react';
import type { DatasetChoice } from '../../../core/contract/host.ts';
import { useHost } from '../host/host-context.tsx';
import { chooseAndInspect } from './dataset-actions.ts';
import { useDatasetStore } from './dataset-store.ts';

const choose = (host: ReturnType<typeof useHost>, choice: DatasetChoice) =>
  void chooseAndInspect(host, useDatasetStore, choice);

/**
 * Where the dataset is. The desktop app asks with its own dialogs (it reads only what the user
 * chose there); in the browser the path is typed, as it is on the server's machine, or a zip
 * is uploaded and unpacked there.
 */
export function DatasetSource({ onInspect }: { onInspect: () => void }) {
  const host = useHost();
  const path = useDatasetStore((s) => s.draft.path);
  const busy = useDatasetStore((s) => s.busy);
  const fileInput = useRef<HTMLInputElement>(null);

  if (host.kind === 'desktop') {
    return (
      <div className="dataset-source">
        <div className="dataset-source__buttons">
          <button
            type="button"
            data-testid="dataset-choose-file"
            disabled={busy !== undefined}
            onClick={() => choose(host, { kind: 'file' })}
          >
            Choose file…
          </button>
          <span className="studio-muted">
            a CSV index (classes, boxes, values, mask and depth files) or COCO annotations (JSON)
          </span>
          <button
            type="button"
            data-testid="dataset-choose-folder"
            disabled={busy !== undefined}
            onClick={() => choose(host, { kind: 'folder' })}
          >
            Choose folder…
          </button>
          <span className="studio-muted">
            YOLO, Pascal VOC (boxes or masks), images/ with masks/, or one folder of images per
            class
          </span>
        </div>
        <p className="dataset-source__path" data-testid="dataset-path-shown" title={path}>
          {path || 'No dataset chosen yet.'}
        </p>
      </div>
    );
  }

  const upload = async (file: File) => {
    choose(host, { kind: 'upload', name: file.name, data: await file.arrayBuffer() });
  };

  return (
    <div className="dataset-source">
      <label
        className="dataset-source__field"
        title="The studio’s server reads the dataset where it lies on this computer: a browser cannot pass a chosen file’s path on, so type or paste it, or upload a zip."
      >
        <span>Path of the dataset on this computer</span>
        <input
          type="text"
          data-testid="dataset-path"
          value={path}
          spellCheck={false}
          placeholder="/home/me/data/labels.csv, a COCO .json, or a YOLO, VOC or image folder"
          onChange={(e) => useDatasetStore.getState().setPath(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') onInspect();
          }}
        />
      </label>
      <div className="dataset-source__buttons">
        <span className="studio-muted">or</span>
        <button
          type="button"
          data-testid="dataset-upload"
          disabled={busy !== undefined}
          onClick={() => fileInput.current?.click()}
        >
          Upload a zip…
        </button>
        <span className="studio-muted">unpacked on the server; its path is filled in</span>
        <input
          ref={fileInput}
          type="file"
          accept=".zip,application/zip"
          hidden
          data-testid="dataset-upload-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void upload(file);
          }}
        />
      </div>
    </div>
  );
}
