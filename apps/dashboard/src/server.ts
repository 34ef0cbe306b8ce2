import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { MinuteCounters, ReadinessCheck } from '@pigeonhole/app-runtime';
import type { Queue } from 'bullmq';
import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { requireRole, type DashboardCredentials, type Role } from './auth.js';
import { figuresSection, layout, recipientPage, recipientsSection } from './pages.js';
import { html } from './html.js';
import type { StoreView } from './store-view.js';

/** What the dashboard shows and acts on. */
export interface DashboardDeps {
  readonly store: StoreView;
  readonly figures: MinuteCounters;
  /** Every BullMQ queue of the service, for Bull Board. */
  readonly queues: readonly Queue[];
  /** Asks for a delivery run for a recipient now. */
  readonly retry: (aor: string) => Promise<void>;
  readonly credentials: DashboardCredentials;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly registry: Registry;
}

/**
 * The dashboard's HTTP app. `/healthz` and `/readyz` are open (load balancers probe them, they reveal
 * nothing); every other path needs the admin or viewer credentials.
 */
export function createDashboardApp(deps: DashboardDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => void res.type('text/plain').send('ok\n'));
  app.get('/readyz', (_req, res) => void readiness(deps, res));
  app.use(requireRole(deps.credentials));
  app.get('/metrics', (_req, res) => void metrics(deps, res));
  app.use('/queues', bullBoard(deps.queues));
  app.get('/', (_req, res) => void overview(deps, res));
  app.get('/api/overview', (_req, res) => void overviewJson(deps, res));
  app.get('/recipients/:aor', (req, res) => void recipient(deps, req, res));
  app.post('/recipients/:aor/retry', (req, res) => void retry(deps, req, res));
  app.post('/recipients/:aor/messages/:id/purge', (req, res) => void purge(deps, req, res));
  return app;
}

function bullBoard(queues: readonly Queue[]): express.Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath('/queues');
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
  });
  return adapter.getRouter() as express.Router;
}

/** Runs a page handler; a failure (Redis down) is a 503 page, never a crash. */
async function respond(res: Response, render: () => Promise<void>): Promise<void> {
  try {
    await render();
  } catch (err) {
    res
      .status(503)
      .type('text/plain')
      .send(`unavailable: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

async function readiness(deps: DashboardDeps, res: Response): Promise<void> {
  const results = await Promise.all(
    Object.entries(deps.checks).map(
      async ([name, check]) => [name, await check().catch(() => false)] as const,
    ),
  );
  res.status(results.every(([, ok]) => ok) ? 200 : 503).json(Object.fromEntries(results));
}

function metrics(deps: DashboardDeps, res: Response): Promise<void> {
  return respond(res, async () => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
}

async function overviewData(deps: DashboardDeps) {
  const [recipients, minutes, activeSessions] = await Promise.all([
    deps.store.recipients(),
    deps.figures.last(16),
    deps.store.activeSessions(),
  ]);
  return { recipients, minutes, activeSessions };
}

function overview(deps: DashboardDeps, res: Response): Promise<void> {
  return respond(res, async () => {
    const { recipients, minutes, activeSessions } = await overviewData(deps);
    const body = html`${figuresSection(minutes, activeSessions)}${recipientsSection(recipients, Date.now())}`;
    res.type('html').send(layout('Stored messages', body, { refreshSeconds: 5 }));
  });
}

function overviewJson(deps: DashboardDeps, res: Response): Promise<void> {
  return respond(res, async () => {
    res.json(await overviewData(deps));
  });
}

function recipient(deps: DashboardDeps, req: Request, res: Response): Promise<void> {
  return respond(res, async () => {
    const aor = String(req.params['aor']);
    const messages = await deps.store.messages(aor);
    const role = res.locals['role'] as Role;
    res.type('html').send(layout(aor, recipientPage(aor, messages, { now: Date.now(), role })));
  });
}

function retry(deps: DashboardDeps, req: Request, res: Response): Promise<void> {
  return respond(res, async () => {
    const aor = String(req.params['aor']);
    await deps.retry(aor);
    res.redirect(303, `/recipients/${encodeURIComponent(aor)}`);
  });
}

function purge(deps: DashboardDeps, req: Request, res: Response): Promise<void> {
  return respond(res, async () => {
    const aor = String(req.params['aor']);
    await deps.store.purge(aor, String(req.params['id']));
    res.redirect(303, `/recipients/${encodeURIComponent(aor)}`);
  });
}
