import { spawn, spawnSync } from 'node:child_process';

/** Debian's Python, which has python3-torch, python3-h5py and python3-onnx where installed. */
export const PYTHON = '/usr/bin/python3';

/** Whether `/usr/bin/python3` can import these modules; tests that need them skip otherwise. */
export function pythonHas(...modules: string[]): boolean {
  const check = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
  return check.status === 0;
}

/** Runs a Python script in a folder; resolves with its stdout, rejects with its stderr. */
export function runPython(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [...args], { cwd, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`python3 ${args.join(' ')} failed (${code}):\n${err}`)),
    );
  });
}
