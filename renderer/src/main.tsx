import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './app/App.tsx';
import { createBrowserHost } from './host/browser-host.ts';
import { HostProvider } from './host/host-context.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <HostProvider host={createBrowserHost(window.location)}>
      <App />
    </HostProvider>
  </StrictMode>,
);
