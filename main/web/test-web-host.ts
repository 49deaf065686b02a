import { fileURLToPath } from 'node:url';
import { FakeChild } from '../processes/test-training-child.ts';
import { createWebHost, type WebHost } from './web-server.ts';

const EXAMPLES = fileURLToPath(new URL('../../assets/examples', import.meta.url));

/**
 * A browser host for the hosts' tests: the examples shipped with the studio, quiet, and training
 * processes that are FakeChild instances, pushed onto `children` as the host starts them.
 */
export function hostWithFakeChildren(
  folders: { readonly staticDir: string; readonly runsDir: string },
  children: FakeChild[],
): Promise<WebHost> {
  return createWebHost({
    ...folders,
    examplesDir: EXAMPLES,
    spawn: () => {
      const child = new FakeChild();
      children.push(child);
      return child;
    },
    stopTimeoutMs: 200,
    log: () => undefined,
  });
}
