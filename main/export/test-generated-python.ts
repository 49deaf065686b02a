import { runPython } from './test-python.ts';

/**
 * Checks of the Python an export generates, run by /usr/bin/python3: every file parses, what a
 * docstring says, and what importing and building the model does (nothing but build it).
 */

/**
 * Parses every .py file under the folder given as argv[1] with `ast`; prints path → the module
 * docstring, or the SyntaxError. Reads bytes, as Python reads a source file.
 */
const PARSE_ALL = `
import ast, json, os, sys
result = {}
for folder, _, files in os.walk(sys.argv[1]):
    for name in sorted(files):
        if name.endswith(".py"):
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                source = f.read()
            try:
                result[os.path.relpath(path, sys.argv[1])] = {"doc": ast.get_docstring(ast.parse(source), clean=False)}
            except SyntaxError as e:
                result[os.path.relpath(path, sys.argv[1])] = {"error": f"{e.msg} (line {e.lineno})"}
            except ValueError as e:  # a NUL byte, before Python 3.12 made it a SyntaxError
                result[os.path.relpath(path, sys.argv[1])] = {"error": str(e)}
print(json.dumps(result))
`;

export interface ParsedFile {
  readonly doc?: string | null;
  readonly error?: string;
}

/** Every .py file under the folder, parsed with `ast`: relative path → docstring or error. */
export async function parsePythonFiles(folder: string): Promise<Record<string, ParsedFile>> {
  return JSON.parse(await runPython(['-c', PARSE_ALL, folder], folder)) as Record<
    string,
    ParsedFile
  >;
}

/** The names model.py binds at its top level (imports, assignments, functions, classes). */
const MODULE_NAMES = `
import json, symtable
table = symtable.symtable(open("model.py", encoding="utf-8").read(), "model.py", "exec")
print(json.dumps(sorted(s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported())))
`;

/** The names the folder's model.py binds at its top level: a layer may take none of them. */
export async function moduleNames(folder: string): Promise<string[]> {
  return JSON.parse(await runPython(['-c', MODULE_NAMES], folder)) as string[];
}

/**
 * Starting a process from the generated code is the one thing an exploit needs; an audit hook
 * turns any attempt into an error, so a test fails on the attempt even when the command itself
 * would leave no trace.
 */
export const NO_PROCESSES = `
import sys
def _refuse(event, args):
    if event in ("os.system", "subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn", "os.fork", "pty.spawn"):
        raise RuntimeError(f"the generated code tried {event} {args!r}")
sys.addaudithook(_refuse)
sys.path.insert(0, ".")
`;

/**
 * A stand-in for Keras where it is not installed: enough of keras.Input, keras.layers, keras.Model
 * and compile to run build_model() and load_weights(), recording each layer's kind, name and
 * inputs, so a generated name that shadows \`keras\`, \`layers\` or a metric, or wires a layer to
 * the wrong input, fails here as it would in Keras.
 */
export const FAKE_KERAS = `
import sys, types
LAYERS = {}
class Tensor:
    def __init__(self, layer):
        self.layer = layer
class Layer:
    def __init__(self, kind, kwargs):
        self.kind, self.name, self.inputs, self.weights = kind, kwargs["name"], [], None
        if not isinstance(self.name, str) or self.name in LAYERS:
            raise ValueError(f"bad or repeated layer name {self.name!r}")
        LAYERS[self.name] = self
    def __call__(self, x):
        xs = x if isinstance(x, list) else [x]
        if not all(isinstance(t, Tensor) for t in xs):
            raise TypeError(f"layer {self.name!r} called on {xs!r}")
        self.inputs = [t.layer.name for t in xs]
        return Tensor(self)
    def set_weights(self, weights):
        self.weights = [list(w.shape) for w in weights]
class Model:
    def __init__(self, inputs, outputs, name):
        if not isinstance(inputs, Tensor) or not all(isinstance(t, Tensor) for t in outputs):
            raise TypeError("keras.Model takes tensors")
        self.input, self.outputs = inputs.layer.name, [t.layer.name for t in outputs]
    def compile(self, optimizer, loss, loss_weights, metrics):
        for what, by_head in (("loss", loss), ("loss_weights", loss_weights), ("metrics", metrics)):
            if sorted(by_head) != sorted(self.outputs):
                raise ValueError(f"{what} is keyed by {sorted(by_head)}, the outputs are {sorted(self.outputs)}")
        for values in metrics.values():
            for m in values:
                if not (isinstance(m, str) or callable(m)) or isinstance(m, (Tensor, Layer)):
                    raise TypeError(f"metric {m!r} is not a metric")
    def get_layer(self, name):
        return LAYERS[name]
keras = types.ModuleType("keras")
keras.layers = types.ModuleType("keras.layers")
keras.layers.__getattr__ = lambda kind: (lambda *args, **kwargs: Layer(kind, kwargs))
keras.Input = lambda shape, name: Tensor(Layer("Input", {"name": name}))
keras.Model = Model
keras.ops = types.SimpleNamespace(
    relu=None, maximum=None, minimum=None, cast=None,
    concatenate=None, stack=None, reshape=None, transpose=None, softmax=None, matmul=None, sum=None)
keras.optimizers = types.SimpleNamespace(Adam=dict, SGD=dict, RMSprop=dict)
keras.losses = types.SimpleNamespace(Huber=dict)
sys.modules["keras"] = keras
`;

/** Builds the Keras model of the folder's model.py (with the stand-in unless `real`) and loads its weights. */
const BUILD_KERAS = `
import json
import model
m = model.load_weights(model.build_model())
print(json.dumps({"input": m.input, "outputs": m.outputs,
                  "layers": {n: {"kind": l.kind, "inputs": l.inputs, "weights": l.weights} for n, l in LAYERS.items()}}))
`;

export interface BuiltKerasModel {
  readonly input: string;
  readonly outputs: string[];
  readonly layers: Record<string, { kind: string; inputs: string[]; weights: number[][] | null }>;
}

/** Imports the Keras export's model.py with the stand-in Keras and builds the model. */
export async function buildWithFakeKeras(folder: string): Promise<BuiltKerasModel> {
  return JSON.parse(
    await runPython(['-c', NO_PROCESSES + FAKE_KERAS + BUILD_KERAS], folder),
  ) as BuiltKerasModel;
}

/** Reads float32 NHWC images from argv[1] and prints the PyTorch export's outputs, task → values. */
const PREDICT_TORCH = `
import json, sys
import numpy as np, torch
from model import load_model, INPUT_SHAPE
m = load_model(".")
x = torch.from_numpy(np.fromfile(sys.argv[1], dtype="<f4").reshape((-1,) + INPUT_SHAPE))
with torch.no_grad():
    out = m(x)
print(json.dumps({k: v.numpy().ravel().tolist() for k, v in out.items()}))
`;

/** The PyTorch export's outputs for the images in `imagesFile`, with process starts refused. */
export async function torchOutputs(
  folder: string,
  imagesFile: string,
): Promise<Record<string, number[]>> {
  return JSON.parse(
    await runPython(['-c', NO_PROCESSES + PREDICT_TORCH, imagesFile], folder),
  ) as Record<string, number[]>;
}
