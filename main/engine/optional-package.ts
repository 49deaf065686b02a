/**
 * Loading the engine's optional packages (tfjs-node, tfjs-node-gpu, WebGPU), whose absence is
 * normal: the error says which package, and why it matters, in one line a user can act on.
 */

/** The first line of an error's message (native loaders append long stacks and paths). */
export const firstLine = (e: unknown): string =>
  String((e as Error)?.message ?? e).split('\n')[0] ?? 'unknown error';

const isMissingModule = (e: unknown) => {
  const code = (e as { code?: string })?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
};

/** Where a native addon failed to load, when that is not plain Node. */
const where = () => (process.versions.electron ? " inside Electron's utility process" : '');

/** Imports `pkg`, or throws "<pkg> is not installed (<needs>)" / "… did not load: <why>". */
export async function importOptional<T>(pkg: string, needs: string): Promise<T> {
  try {
    return (await import(pkg)) as T;
  } catch (e) {
    throw new Error(
      isMissingModule(e)
        ? `${pkg} is not installed (${needs})`
        : `${pkg} is installed but did not load${where()}: ${firstLine(e)}`,
    );
  }
}
