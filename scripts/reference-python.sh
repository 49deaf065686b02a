#!/usr/bin/env bash
# The reference Python the checks compare against, beside Debian's: Keras 3 on TensorFlow CPU,
# PyTorch 2.13, onnxruntime and pycocotools, from the wheels this machine carries (the public
# index is unreachable, so the local indexes come first to skip pip's retries). Idempotent: an
# existing environment that imports everything is kept. Tests that need it look for
# `.venv-ref/bin/python` at the repository root and skip with a sentence where it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-ref
export TF_CPP_MIN_LOG_LEVEL=3
# Pillow: the PyTorch export's train.py imports it, and `npm run bench` runs its step.
PACKAGES=(tensorflow-cpu keras onnxruntime pycocotools h5py pillow "torch==2.13.0+cpu")
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import tensorflow, keras, onnxruntime, pycocotools, h5py, PIL, torch' 2>/dev/null; then
  exit 0
fi
/usr/bin/python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple \
  --find-links /opt/wheels "${PACKAGES[@]}"
"$VENV/bin/python" -c 'import tensorflow, keras, onnxruntime, pycocotools, h5py, PIL, torch; print("reference python:", "tensorflow", tensorflow.__version__, "keras", keras.__version__, "torch", torch.__version__)'
