import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PYTHON, REFERENCE_PYTHON } from './python-paths.ts';

export { PYTHON, REFERENCE_PYTHON };

/** Whether `/usr/bin/python3` can import these modules; tests that need them skip otherwise. */
export function pythonHas(...modules: string[]): boolean {
  const check = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
  return check.status === 0;
}

/** Why a test that needs the reference environment skips here, or undefined when it can run. */
export function referenceMissing(...modules: string[]): string | undefined {
  const how = 'run `bash scripts/reference-python.sh` to make it (CI does)';
  if (!existsSync(REFERENCE_PYTHON)) return `the reference Python (.venv-ref) is absent; ${how}`;
  const check = spawnSync(REFERENCE_PYTHON, ['-c', `import ${modules.join(', ')}`], {
    stdio: 'ignore',
  });
  return check.status === 0
    ? undefined
    : `the reference Python cannot import ${modules.join(', ')}; ${how}`;
}

/** How long a script may run before it and every process it started are killed. */
const PYTHON_LIMIT_MS = 240_000;

/**
 * Runs a Python script in a folder; resolves with its stdout, rejects with its stderr. The script
 * runs in a process group of its own, killed whole when it outlives `limitMs`: a worker of a
 * multi-process run left behind by a failed test would otherwise spin on for ever.
 */
export function runPython(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  limitMs = PYTHON_LIMIT_MS,
  python = PYTHON,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [...args], {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
    });
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, limitMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && !killed) resolve(out);
      else if (killed) {
        reject(
          new Error(
            `python3 ${args.join(' ')} ran past ${limitMs / 1000} s and was killed:\n${err}`,
          ),
        );
      } else reject(new Error(`python3 ${args.join(' ')} failed (${code}):\n${err}`));
    });
  });
}
