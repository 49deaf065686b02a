import { BACKEND_NAMES } from '../../core/contract/training.ts';
import { METRIC_NAMES } from '../../core/tasks/registry.ts';

export const HELP = `Multitask Studio command line

Usage: npm run cli -- <command> [options]

  summary <graph.json> [--json]
      Layers, output shapes, parameters and total, like Keras summary(), and the memory training
      needs; or the graph's problems.

  train <graph.json> [--dataset digits|multidigits|shapes|digits-scenes|scenes|shapes-scenes|<path>] [--epochs N] [--batch-size N]
        [--limit N] [--seed N] [--optimizer adam|sgd|rmsprop] [--learning-rate X] [--momentum X]
        [--out DIR] [--backend ${BACKEND_NAMES.join('|')}] [--threads N] [--memory-limit SIZE]
        [--stall-minutes X] [--balance METHOD] [--balance-param KEY=VALUE ...] [--json]
      Trains the graph with one loss per task, checkpoints every epoch and evaluates on the
      test split. Flags override the graph's own training settings. --json prints one JSON
      object per line (started, each epoch, done). Each flag takes the values its setting
      takes in the graph (bounds in the error when one is out of them). Ctrl-C stops after the current batch and
      keeps the run; a second Ctrl-C quits at once. A stopped run exits with 130 (Ctrl-C),
      143 (SIGTERM) or 129 (SIGHUP); a finished one with 0, a failed one with 1.
      An imported dataset is a CSV file, a COCO JSON file, or a YOLO, Pascal VOC or image
      folder (format detected, or --format csv|coco|yolo|voc|folder). Its options:
        --resize letterbox|stretch   --box-units auto|pixels|normalized (CSV)
        --object-choice largest|first (images with several objects)
        --bad-rows skip|stop         --no-cache
        --attributes A,B,C (CSV: 0/1 columns that are one attributes task)
        --depth-scale X (CSV: metres per unit of 16-bit depth PNGs; default 0.001)
        --val-fraction X --test-fraction X (split shares when the data has no split)
        --flip --shift X --scale X --brightness X --contrast X (training augmentation; the
        built-in datasets take them too)
      --initial-weights FILE starts from the weights of a TensorFlow.js model.json, a Keras
      .keras or .h5 file or an ONNX model, matched by layer name.
      --balance picks how the tasks' losses update the shared trunk: fixed (the heads' loss
      weights), uncertainty, dwa, gradnorm, famo, rlw (loss level), pcgrad, mgda-ub, cagrad,
      imtl-g, nash-mtl, aligned-mtl (gradient level); --balance-param sets one of its
      parameters (repeatable).
      The best epoch and when to stop (the run keeps model/ = best epoch, last/ = last epoch):
        --early-stopping [PATIENCE] --monitor auto|loss|tasks|<task>.<loss|${METRIC_NAMES.join('|')}>
        --min-delta X --keep-last (keep the last epoch as the model, not the best)
      Learning rate and regularisation:
        --schedule constant|step|cosine|plateau --warmup-epochs X --min-learning-rate X
        --step-epochs N --lr-factor X --lr-patience N --weight-decay X --clip-norm X
      Fine-tuning (nodes frozen in the graph train from epoch N, at their own learning rate):
        --unfreeze-at N --unfreeze all|node1,node2 --unfreeze-lr X

  train --resume <run dir> [--epochs N] [--backend B] [--json]
      Continues a stopped, failed or finished run from its last epoch to N epochs in all, in
      the same folder: weights, optimizer state, schedule, best epoch and data order restored.

  sweep <graph.json> [--balance M1,M2,...] [--seeds N] [--single-task] [train options]
      Trains each balancing method on each seed (default: all methods, 3 seeds), and with
      --single-task each head alone, then prints and writes (sweep.json, sweep.md) a table of
      test metrics (mean ± std), Δm% against the tasks alone and time per epoch against fixed.

  dataset inspect <path> [--format F] [--box-units U] [--object-choice C] [--val-fraction X]
        [--test-fraction X] [--seed N] [--json]
      Reads an imported dataset as training would and prints its format, image and class
      counts per split, box statistics and the report of bad rows, without training.

  dataset export <digits|shapes|scenes|path> --out DIR [--format csv|coco|yolo|voc]
        [--size HxWxC] [--limit N] [--seed N]
      Writes a dataset the studio trains on (an imported one after its check, bad rows left
      out) as PNG images with annotations.csv (path, split, class, xmin, ymin, xmax, ymax,
      value columns; a row per object with an ignore column for an objects target; mask, depth
      and normals columns naming a palette PNG or a .npy file per image) and targets.json: what
      the studio's CSV import and an exported PyTorch project's train.py read; yolo writes
      images/, labels/ (every object but ignored ones), data.yaml and classes.txt, coco images/
      and annotations.json (every object, ignored ones as crowds, and each image's split), voc
      JPEGImages/ (PNG files), SegmentationClass/ and ImageSets/Segmentation/ (the mask only).
      The other targets stay out of yolo, coco and voc. --size draws a
      built-in dataset at that size (default 64x64x3).

  evaluate <run dir> [--split train|validation|test] [--checkpoint best|last] [--batch-size N]
        [--json]
      Total loss and each task's loss and metrics of a run's kept (best) or last model on a split.

  coco-eval <ground-truth.json> <detections.json> [--per-class] [--json]
      Scores any detector's boxes (a COCO results file: image_id, category_id, bbox, score) on
      a COCO ground-truth file and prints the twelve numbers as pycocotools' COCOeval does (AP
      at IoU .50:.95, .50, .75, by area; AR at 1, 10, 100 detections, by area); --per-class
      adds each category's AP, AP50 and AP75.

  export <run dir> --out DIR [--format tfjs|onnx|pytorch|keras] [--checkpoint best|last]
      Writes the run's trained model into DIR (new or empty) with its graph and metrics:
      tfjs (default) model.json + weights.bin; onnx model.onnx; pytorch a project with model.py,
      weights.npz, train.py and a README; keras model.py + weights.h5.

  import <model.json|model.keras|model.h5|model.onnx> --out FILE [--force]
      Opens a TensorFlow.js Layers model (tensorflowjs_converter's, or a studio export), a Keras
      3 .keras file, a legacy Keras .h5 file or an ONNX model (channels-first made channels-last)
      as a graph file that trains from its weights: layers become node kinds named by the layer names, outputs become heads
      (softmax: classification, 4 sigmoid units: box, linear: regression). A layer the studio
      cannot represent is named with the reason, and then no file is written. An existing FILE
      is replaced only with --force (never the model.json itself).

  datasets
      Lists the built-in datasets and their targets.

The backend is the best one that starts (${BACKEND_NAMES.join(', ')}); --backend or
the MTS_BACKEND environment variable starts from another. WebGPU is used only on a real GPU.
--threads sets the WebAssembly backend's threads (default: every core, at most 8); the run's
backend line says how many it got.
A run whose training makes no progress (no finished batch) for --stall-minutes X (default: the
MTS_STALL_MINUTES environment variable, else 10) is ended with a sentence and keeps its finished
epochs; \`web\` takes --stall-minutes too.
`;
