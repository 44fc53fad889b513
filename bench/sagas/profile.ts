/**
 * Where the server's main thread spends its time, from a V8 CPU profile (`node --cpu-prof`) of the platform child,
 * counting only the samples taken within a window (the profile's clock is process.hrtime's, in µs, shared by every
 * process on the machine). A sample counts for the first frame, from the leaf up, that one of PARTS claims: a
 * better-sqlite3 call or a JSON.parse made by the event store counts for the event store, Express's router for the
 * HTTP server, and so on. Samples no part claims are Node internals, the garbage collector, or idle time.
 */
import { type CallFrame, type ProfileNode, readCpuProfile } from '../cpu-profile.js';

/**
 * The parts of the platform, each claiming frames by where their code lives (`path`: a project file relative to the
 * repository, e.g. `src/domain/orders/order.ts`, or the frame's URL for anything else); the first that matches wins.
 */
export const PARTS: readonly { part: string; matches: (path: string) => boolean }[] = [
  { part: 'event store (SQLite appends, reads, subscriptions)', matches: (path) => path.startsWith('src/infrastructure/event-store/') || path.startsWith('src/infrastructure/sqlite/') },
  { part: 'read store (read models: loads, commits)', matches: (path) => path.startsWith('src/infrastructure/read-store/') },
  { part: 'projections (incl. the saga-status view)', matches: (path) => path.startsWith('src/projections/') || path.startsWith('sagas/saga-status/') },
  { part: 'payment gateway + bundled simulator', matches: (path) => path.startsWith('src/infrastructure/payment-gateway/') },
  {
    part: 'saga runtime (delivery, reactions, job queue)',
    matches: (path) =>
      path.startsWith('src/application/sagas/') ||
      path.startsWith('src/infrastructure/jobs/') ||
      path.startsWith('sagas/') ||
      /\/node_modules\/(bullmq|ioredis)\//.test(path),
  },
  {
    part: 'commands (handler, deciders, event encoding)',
    matches: (path) => path.startsWith('src/application/commands/') || path.startsWith('src/domain/') || path.startsWith('src/application/events/'),
  },
  {
    part: 'HTTP API (Express, auth, validation, services)',
    matches: (path) =>
      path.startsWith('src/infrastructure/http/') ||
      path.startsWith('src/infrastructure/auth/') ||
      path.startsWith('src/application/') ||
      /\/node_modules\/(express|router|body-parser|raw-body|jose|pino-http|finalhandler|send|qs|on-finished)\//.test(path),
  },
  { part: "HTTP client (undici fetch: the saga's calls to the gateway)", matches: (path) => path.startsWith('node:internal/deps/undici') },
  { part: 'other project code', matches: (path) => path.startsWith('src/') },
];

const NODE_INTERNALS = 'Node internals (http, net, streams, timers, promises)';

export interface ProfileSummary {
  /** Sampled ms within the window: the main thread's wall time, busy or idle. */
  windowMs: number;
  busyMs: number;
  /** Busy ms per part, biggest first (GC and Node internals included), with their share of the busy time. */
  parts: { part: string; ms: number; share: number }[];
  /** The functions with the most self time (busy samples only). */
  topSelf: { name: string; where: string; ms: number; share: number }[];
  /** The project's functions (src/, sagas/) with the most inclusive time: each counted once per sample it is on the stack of. */
  topInclusive: { name: string; where: string; ms: number; share: number }[];
}

const where = (frame: CallFrame, root: string): string => {
  if (frame.url === '') return frame.functionName.startsWith('(') ? 'V8' : 'native';
  const path = decodeURIComponent(frame.url.replace(/^file:\/\//, ''));
  // Project files run as tsx compiles them: their line numbers are not the source's.
  if (path.startsWith(root) && !path.includes('/node_modules/')) return path.slice(root.length);
  return `${path.replace(/^.*\/node_modules\//, '~/')}:${frame.lineNumber + 1}`;
};

/** Summarises the samples taken between `fromUs` and `toUs` (process.hrtime in µs). */
export const summariseProfile = (file: string, root: string, fromUs: number, toUs: number, top = 15): ProfileSummary => {
  const profile = readCpuProfile(file);
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const partCache = new Map<number, string>();
  const partOf = (id: number): string => {
    const cached = partCache.get(id);
    if (cached !== undefined) return cached;
    let part: string | undefined;
    for (let current: number | undefined = id; current !== undefined && part === undefined; current = parent.get(current)) {
      const { url } = byId.get(current)!.callFrame;
      const path = url.startsWith(`file://${root}`) && !url.includes('/node_modules/') ? url.slice(`file://${root}`.length) : url;
      if (url !== '') part = PARTS.find((candidate) => candidate.matches(path))?.part;
    }
    if (part === undefined) {
      const name = byId.get(id)!.callFrame.functionName;
      part = name === '(garbage collector)' ? 'garbage collector' : name === '(idle)' ? 'idle' : NODE_INTERNALS;
    }
    partCache.set(id, part);
    return part;
  };
  const parts = new Map<string, number>();
  const self = new Map<string, { name: string; where: string; ms: number }>();
  const inclusive = new Map<string, { name: string; where: string; ms: number }>();
  const projectFile = (url: string) => url.startsWith(`file://${root}`) && !url.includes('/node_modules/');
  let time = profile.startTime;
  let windowMs = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (time < fromUs || time > toUs) continue;
    const ms = delta / 1000;
    windowMs += ms;
    const id = profile.samples[index]!;
    const part = partOf(id);
    parts.set(part, (parts.get(part) ?? 0) + ms);
    if (part === 'idle') continue;
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = self.get(key) ?? { name: frame.functionName || '(anonymous)', where: where(frame, root), ms: 0 };
    entry.ms += ms;
    self.set(key, entry);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const { callFrame } = byId.get(current)!;
      if (!projectFile(callFrame.url) || !callFrame.functionName) continue;
      const name = `${callFrame.functionName}|${callFrame.url}`;
      if (seen.has(name)) continue;
      seen.add(name);
      const total = inclusive.get(name) ?? { name: callFrame.functionName, where: where(callFrame, root), ms: 0 };
      total.ms += ms;
      inclusive.set(name, total);
    }
  }
  const busyMs = windowMs - (parts.get('idle') ?? 0);
  const share = (ms: number) => (busyMs > 0 ? ms / busyMs : 0);
  return {
    windowMs,
    busyMs,
    parts: [...parts]
      .filter(([part]) => part !== 'idle')
      .map(([part, ms]) => ({ part, ms, share: share(ms) }))
      .sort((a, b) => b.ms - a.ms),
    topSelf: [...self.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((entry) => ({ ...entry, share: share(entry.ms) })),
    topInclusive: [...inclusive.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((entry) => ({ ...entry, share: share(entry.ms) })),
  };
};
