/**
 * The console page: one EventSource on /api/events keeps a ConsoleState current (src/console/model.ts), and
 * the page of the location's hash draws it. A page is mounted once and then updated on each change, at most
 * once per animation frame, so its charts are not rebuilt for every watch event.
 */
import { applyEvent, emptyState, type ConsoleEvent, type ConsoleState } from '../../src/console/model.js';
import { disposeCharts } from './charts.js';
import { deploymentListPage, deploymentPage } from './pages/deployment.js';
import { driftListPage, driftPage } from './pages/drift.js';
import { experimentListPage, experimentPage } from './pages/experiment.js';
import { lineagePage } from './pages/lineage.js';
import { objectPage } from './pages/object.js';
import type { Page } from './pages/page.js';

let state: ConsoleState = emptyState(true);
let connected = false;
const app = document.getElementById('app')!;
const liveLabel = document.getElementById('live')!;

function route(hash: string): Page {
  const [name, ...args] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (name) {
    case 'deployments':
      return deploymentListPage();
    case 'deployment':
      return deploymentPage(args[0] ?? '', args[1] ?? '');
    case 'experiments':
      return experimentListPage();
    case 'experiment':
      return experimentPage(args[0] ?? '', args[1] ?? '');
    case 'drift':
      return args.length >= 2 ? driftPage(args[0] ?? '', args[1] ?? '') : driftListPage();
    case 'object':
      return objectPage(args[0] ?? '', args[1] ?? '', args[2] ?? '');
    default:
      return lineagePage();
  }
}

let page: Page | undefined;
function mount(): void {
  if (page) disposeCharts(app);
  page = route(location.hash);
  app.replaceChildren(page.root);
  page.update(state);
}

let pending = false;
function schedule(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    page?.update(state);
    liveLabel.textContent = connected ? `live · ${new Date().toLocaleTimeString()}` : 'reconnecting…';
    document.body.dataset.connected = String(connected);
  });
}

function connect(): void {
  const source = new EventSource('/api/events');
  source.onmessage = (message) => {
    state = applyEvent(state, JSON.parse(message.data as string) as ConsoleEvent);
    connected = true;
    schedule();
  };
  // EventSource reconnects by itself; the first message after it is a fresh `state`.
  source.onerror = () => {
    connected = false;
    schedule();
  };
}

window.addEventListener('hashchange', mount);
mount();
connect();
