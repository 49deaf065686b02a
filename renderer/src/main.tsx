import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './app/App.tsx';
import { createBrowserHost } from './host/browser-host.ts';
import { createDesktopHost } from './host/desktop-host.ts';
import { HostProvider } from './host/host-context.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

// The desktop app's preload sets window.studioDesktop; a browser has the local server instead.
const host = window.studioDesktop
  ? createDesktopHost(window.studioDesktop)
  : createBrowserHost(window.location);

createRoot(root).render(
  <StrictMode>
    <HostProvider host={host}>
      <App />
    </HostProvider>
  </StrictMode>,
);
