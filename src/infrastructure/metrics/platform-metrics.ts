import type { Container } from 'inversify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Request, Response } from 'express';
import type { AppendOutcome, CommandObserver, CommandOutcome } from '../../application/commands/command-handler.js';
import type { JobDepth } from '../../application/ports/job-queue.js';
import { documentKey, type DocumentChange, type StoredDocument } from '../../application/ports/read-store.js';
import { SAGA_TYPES } from '../../../sagas/reaction.js';
import { sagaStatusProjection } from '../../../sagas/saga-status/saga-status-projection.js';
import type { ProjectionInfo, ProjectionStatus } from '../../projections/projection-runner.js';
import type { ProjectionSupervisor } from '../../projections/projection-supervisor.js';
import { runsProjections, runsSagas, type ServiceRole } from '../config/config.js';
import { TOKENS } from '../container/tokens.js';
import type { HttpModule } from '../http/app.js';
import type { CircuitBreakerState, CircuitInfo } from '../http-client/resilient-http-client.js';
import type { AnyEndpoint } from '../http/endpoint.js';
import { endpointRoutes } from '../http/endpoint-routes.js';
import { getMetrics } from '../http/endpoints/operations-endpoints.js';
import { BucketedHistogram, type HistogramSeries } from './bucketed-histogram.js';

/**
 * Every metric family the platform exposes at `GET /metrics` (docs/operations.md lists them). Label values come
 * from code, never from a request: route templates, statuses, command and saga types, outcomes. No ids.
 */

const HTTP_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const APPEND_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SAGA_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21_600, 86_400];

const COMMAND_OUTCOMES: readonly CommandOutcome[] = [
  'accepted',
  'refused_not_found',
  'refused_conflict',
  'refused_rule_violated',
  'precondition_failed',
  'failed',
];
const APPEND_OUTCOMES: readonly AppendOutcome[] = ['appended', 'conflict', 'failed'];
const PROJECTION_STATUSES: readonly ProjectionStatus[] = ['starting', 'catching_up', 'live', 'rebuilding', 'faulted', 'stopped'];
const CIRCUIT_STATES: readonly CircuitBreakerState[] = ['closed', 'open', 'half_open', 'isolated'];
const FINAL_SAGA_STATUSES = new Set(['completed', 'compensated', 'failed']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route a request was for: the template that answered it, else the endpoint's that matches, else `unmatched`. */
const routeTemplates = (endpoints: readonly AnyEndpoint[]) => {
  const known = endpoints.map((route) => ({
    method: route.method.toUpperCase(),
    template: route.path.replace(/\{(\w+)\}/g, ':$1'),
    pattern: new RegExp(`^${route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`),
  }));
  return (req: Request): string => {
    const answered: unknown = req.route?.path;
    if (typeof answered === 'string') return answered;
    // Refused before a route took it (a bad token, a missing role, a rate limit, a body that is not JSON).
    const path = req.originalUrl.split('?', 1)[0]!;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    return known.find((route) => route.method === method && route.pattern.test(path))?.template ?? 'unmatched';
  };
};

/** What the command handler reports, counted where it happens (no label hashing on the hot path) and read at scrape time. */
class CommandCounts implements CommandObserver {
  readonly outcomes = new Map<string, Record<CommandOutcome, number>>();
  readonly retries = new Map<string, number>();
  private readonly appends: Record<AppendOutcome, HistogramSeries>;

  constructor(appendSeconds: BucketedHistogram<'outcome'>) {
    this.appends = { appended: appendSeconds.seriesFor('appended'), conflict: appendSeconds.seriesFor('conflict'), failed: appendSeconds.seriesFor('failed') };
  }

  settled(command: string, outcome: CommandOutcome): void {
    let counts = this.outcomes.get(command);
    if (!counts) {
      counts = { accepted: 0, refused_not_found: 0, refused_conflict: 0, refused_rule_violated: 0, precondition_failed: 0, failed: 0 };
      this.outcomes.set(command, counts);
    }
    counts[outcome]++;
  }

  retried(command: string): void {
    this.retries.set(command, (this.retries.get(command) ?? 0) + 1);
  }

  appended(seconds: number, outcome: AppendOutcome): void {
    this.appends[outcome].observe(seconds);
  }
}

interface WithCircuit {
  readonly circuit: CircuitInfo | undefined;
}
const hasCircuit = (value: unknown): value is WithCircuit => typeof value === 'object' && value !== null && 'circuit' in value;

/** Reads a snapshot once for the families that share it during one scrape. */
const shared = <T>(read: () => Promise<T>): (() => Promise<T>) => {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
};

export interface PlatformMetricsParts {
  container: Container;
  role: ServiceRole;
  projections: ProjectionSupervisor;
}

/**
 * The `/metrics` module of a process: its registry, the route that serves it, and the hooks that feed it (every
 * HTTP answer; the command handler; what the saga view's live generation commits, where this process runs it).
 */
export const metricsModule = ({ container, role, projections }: PlatformMetricsParts): HttpModule => {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'ledgerflow_' });

  // HTTP
  const httpSeconds = new BucketedHistogram({
    name: 'ledgerflow_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status: time from the request in to the last byte of the answer out',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_SECONDS,
    registers,
  });
  const routeOf = routeTemplates(container.get(TOKENS.Endpoints));
  const onResponse = (req: Request, res: Response, seconds: number): void => {
    try {
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      httpSeconds.seriesFor(method, routeOf(req), String(res.statusCode)).observe(seconds);
    } catch {
      // Metrics never fail a request.
    }
  };

  // Commands and appends
  const appendSeconds = new BucketedHistogram({
    name: 'ledgerflow_event_store_append_duration_seconds',
    help: 'Appends of commands to the event store by outcome: appended, conflict (a concurrent write; the command is decided again) or failed',
    labelNames: ['outcome'],
    buckets: APPEND_SECONDS,
    registers,
  });
  for (const outcome of APPEND_OUTCOMES) appendSeconds.seriesFor(outcome);
  const commands = new CommandCounts(appendSeconds);
  container.get(TOKENS.CommandHandler).observe(commands);
  new Counter({
    name: 'ledgerflow_commands_total',
    help: 'Commands handled by type and outcome: accepted, refused_<not_found|conflict|rule_violated> (the decider said no), precondition_failed (If-Match), failed',
    labelNames: ['command', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const [command, counts] of commands.outcomes) for (const outcome of COMMAND_OUTCOMES) this.inc({ command, outcome }, counts[outcome]);
    },
  });
  new Counter({
    name: 'ledgerflow_command_conflict_retries_total',
    help: 'Commands decided again by type because their append met a concurrent write to the stream (optimistic concurrency)',
    labelNames: ['command'],
    registers,
    collect() {
      this.reset();
      for (const [command, retries] of commands.retries) this.inc({ command }, retries);
    },
  });

  // Projections: where the process runs them.
  if (runsProjections(role)) {
    const infos = shared(() => projections.info());
    const each = (collect: (info: ProjectionInfo) => void) => async () => {
      for (const info of await infos()) collect(info);
    };
    new Gauge({
      name: 'ledgerflow_projection_position',
      help: 'The global position of $all the projection has processed',
      labelNames: ['projection'],
      registers,
      async collect() {
        this.reset();
        await each((info) => this.set({ projection: info.name }, Number(info.position)))();
      },
    });
    new Gauge({
      name: 'ledgerflow_projection_lag_events',
      help: 'Head position of $all minus the position the projection has processed',
      labelNames: ['projection'],
      registers,
      async collect() {
        this.reset();
        await each((info) => this.set({ projection: info.name }, Number(info.lag)))();
      },
    });
    new Gauge({
      name: 'ledgerflow_projection_status',
      help: "1 for the projection's status, 0 for the others",
      labelNames: ['projection', 'status'],
      registers,
      async collect() {
        this.reset();
        await each((info) => {
          for (const status of PROJECTION_STATUSES) this.set({ projection: info.name, status }, info.status === status ? 1 : 0);
        })();
      },
    });
    new Gauge({
      name: 'ledgerflow_projection_writer',
      help: '1 when this process writes the read model (with Redis: holds the projection lease), 0 when another projector does',
      labelNames: ['projection'],
      registers,
      collect() {
        this.reset();
        for (const name of projections.names) this.set({ projection: name }, projections.writes(name) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ledgerflow_projection_rebuild_events',
      help: 'A rebuild running beside the live read model: events done and events in all (count="done"|"total")',
      labelNames: ['projection', 'count'],
      registers,
      async collect() {
        this.reset();
        await each((info) => {
          if (!info.rebuild) return;
          this.set({ projection: info.name, count: 'done' }, info.rebuild.eventsDone);
          this.set({ projection: info.name, count: 'total' }, info.rebuild.eventsTotal);
        })();
      },
    });

    // Saga outcomes, from the saga view: each saga that reaches a final status, once per time it reaches it.
    const finished = new Counter({
      name: 'ledgerflow_sagas_finished_total',
      help: 'Sagas that reached a final status (completed, compensated, failed) by type; a failed saga retried counts again when it ends',
      labelNames: ['saga', 'status'],
      registers,
    });
    const sagaSeconds = new BucketedHistogram({
      name: 'ledgerflow_saga_duration_seconds',
      help: 'Sagas that reached a final status, by type and status: from the event that started the saga to the one that ended it',
      labelNames: ['saga', 'status'],
      buckets: SAGA_SECONDS,
      registers,
    });
    projections.onLiveChanges((projection: string, changes: readonly DocumentChange[], before: ReadonlyMap<string, StoredDocument>) => {
      if (projection !== sagaStatusProjection.name) return;
      for (const { collection, id, document } of changes) {
        const status = document?.status;
        if (typeof status !== 'string' || !FINAL_SAGA_STATUSES.has(status)) continue;
        if (before.get(documentKey(collection, id))?.document.status === status) continue;
        const saga = (SAGA_TYPES as readonly unknown[]).includes(document!.type) ? String(document!.type) : 'other';
        finished.inc({ saga, status });
        const seconds = (Date.parse(String(document!.updatedAt)) - Date.parse(String(document!.startedAt))) / 1000;
        if (Number.isFinite(seconds) && seconds >= 0) sagaSeconds.seriesFor(saga, status).observe(seconds);
      }
    });
  }

  // Sagas: where the process runs them (in its own thread or another one, whose figures `refresh` brings before a scrape).
  if (runsSagas(role)) {
    const sagas = container.get(TOKENS.SagaWork);
    sagas.observeCommands(commands);
    new Counter({
      name: 'ledgerflow_saga_steps_total',
      help: 'Saga steps this process ran: succeeded, retried (an attempt failed) and dead_lettered (the last attempt failed)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const { succeeded, retried, deadLettered } = sagas.stepCounts;
        this.reset();
        this.inc({ outcome: 'succeeded' }, succeeded);
        this.inc({ outcome: 'retried' }, retried);
        this.inc({ outcome: 'dead_lettered' }, deadLettered);
      },
    });
    new Counter({
      name: 'ledgerflow_saga_recoveries_total',
      help: 'Times this process re-derived the pending work of every unfinished saga from the event store: on boot, and each time the job queue store came back after a loss',
      registers,
      collect() {
        this.reset();
        this.inc(sagas.recoveriesDone);
      },
    });
    const depth = shared(() => sagas.jobDepth());
    new Gauge({
      name: 'ledgerflow_saga_jobs',
      help: 'Saga jobs the queues hold by state: waiting (ready), delayed (a timeout, a backoff), active; both lanes (steps, payments) added up; with Redis, the whole queue',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        let counts: JobDepth | undefined;
        try {
          counts = await depth();
        } catch {
          return; // The queue's store is away: no figure rather than a wrong one.
        }
        if (counts) for (const state of ['waiting', 'delayed', 'active'] as const) this.set({ state }, counts[state]);
      },
    });
  }

  // Circuit breakers of the remotes this process calls.
  const remotes: unknown[] = [];
  if (runsSagas(role)) remotes.push(container.get(TOKENS.SagaWork));
  if (role === 'all' || role === 'catalog-api' || role === 'orders-api') remotes.push(container.get(TOKENS.UserDirectory));
  const circuits = remotes.filter(hasCircuit);
  if (circuits.length > 0)
    new Gauge({
      name: 'ledgerflow_circuit_breaker_state',
      help: "1 for the circuit breaker's state of each remote this process calls, 0 for the others (open: calls fail fast)",
      labelNames: ['remote', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { circuit } of circuits) if (circuit) for (const state of CIRCUIT_STATES) this.set({ remote: circuit.remote, state }, circuit.state === state ? 1 : 0);
      },
    });

  // The figures of sagas that run in another thread are brought in before each scrape.
  const refresh = runsSagas(role) ? () => container.get(TOKENS.SagaWork).refresh() : undefined;
  return { path: '/metrics', router: endpointRoutes('/metrics', [getMetrics], { registry, refresh }), onResponse };
};
