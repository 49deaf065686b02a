import { fileURLToPath } from 'node:url';

/** Debian's Python, which has python3-torch, python3-h5py and python3-onnx where installed. */
export const PYTHON = '/usr/bin/python3';

/**
 * The reference environment `scripts/reference-python.sh` makes at the repository root: Keras 3 on
 * TensorFlow CPU, PyTorch 2.13, onnxruntime and pycocotools from the machine's local wheels. The
 * tests check exports against it and `npm run bench` times the exports' training steps on it.
 */
export const REFERENCE_PYTHON = fileURLToPath(
  new URL('../../.venv-ref/bin/python', import.meta.url),
);
