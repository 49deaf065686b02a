import { createContext, useContext, type ReactNode } from 'react';
import type { StudioHost } from '../../../core/contract/host.ts';

const HostContext = createContext<StudioHost | null>(null);

/** The engine's host (browser or desktop) for every component below. */
export function HostProvider({ host, children }: { host: StudioHost; children: ReactNode }) {
  return <HostContext.Provider value={host}>{children}</HostContext.Provider>;
}

export function useHost(): StudioHost {
  const host = useContext(HostContext);
  if (!host) throw new Error('useHost outside HostProvider');
  return host;
}
