/** The projections bench's machine info, verdicts and markdown. */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ProfileBreakdown } from './profile.js';
import type { RebuildResult } from './rebuild-worker.js';
import type { SeedResult } from './seed.js';

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '—');

export const machine = (root: string) => {
  const cpus = os.cpus();
  let commit: string | undefined;
  try {
    const git = (args: string) => execSync(`git ${args}`, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    commit = git('rev-parse --short HEAD');
    const dirty = git('status --porcelain -- src/projections src/infrastructure/read-store src/infrastructure/event-store');
    if (dirty !== '') commit += ' (projections / read-store / event-store sources modified)';
  } catch {
    commit = undefined;
  }
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  db.close();
  const version = (pkg: string) => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    sqlite,
    betterSqlite3: version('better-sqlite3'),
    mongodbDriver: version('mongodb'),
    tmpdir: os.tmpdir(),
    commit,
  };
};

/** Busy time of all cores, from the kernel's counters: sample before and after, subtract. */
export const cpuTimes = (): { busyMs: number; totalMs: number } =>
  os.cpus().reduce(
    (sum, cpu) => {
      const total = Object.values(cpu.times).reduce((a, b) => a + b, 0);
      return { busyMs: sum.busyMs + total - cpu.times.idle, totalMs: sum.totalMs + total };
    },
    { busyMs: 0, totalMs: 0 },
  );

export interface Targets {
  rate: { measured: number; threshold: number; pass: boolean };
  outside: { measured: number; threshold: number; pass: boolean };
}

/** Shares of the rebuild's wall time from the timers: the stores' calls, and the rest. */
export const timerShares = (result: RebuildResult) => {
  const t = result.times!;
  const totalMs = result.seconds * 1000;
  const storeMs = t.readAllMs + t.loadMs + t.commitMs + t.setupMs + t.activateMs;
  return { totalMs, storeMs, outsideMs: totalMs - storeMs, outsideShare: (totalMs - storeMs) / totalMs };
};

/** Shares of the profile's samples: the stores, the rest with the garbage collector, and the rest without it. */
export const profileShares = (profile: ProfileBreakdown) => {
  const { ms } = profile;
  const storeMs = ms.eventStore + ms.readStore;
  const busyMs = profile.totalMs - ms.idle;
  return {
    storeMs,
    busyMs,
    outsideWithGc: (busyMs - storeMs) / busyMs,
    outsideWithoutGc: (busyMs - storeMs - ms.gc) / (busyMs - ms.gc),
  };
};

export interface Report {
  date: string;
  info: ReturnType<typeof machine>;
  loadAverage: { start: number[]; end: number[] };
  config: Record<string, number | string | null>;
  seed: SeedResult;
  sqlite: RebuildResult;
  profile: { rebuild: RebuildResult; breakdown: ProfileBreakdown } | { skipped: string };
  mongo: { rebuild: RebuildResult; server: string; ferretdb: boolean; events: number } | { skipped: string };
  targets: Targets;
  totalSeconds: number;
}

const checkLine = (result: RebuildResult): string => {
  const failed = result.checks.filter((check) => !check.pass);
  if (failed.length === 0) return `all ${result.checks.length} checks pass (${result.checks.map((check) => check.name).join('; ')})`;
  return `**${failed.length} check(s) FAILED**: ${failed.map((check) => `${check.name}: expected ${fmt(check.expected)}, got ${fmt(check.actual)}`).join('; ')}`;
};

export const markdown = (report: Report): string => {
  const { info, seed, sqlite } = report;
  const mix = Object.entries(seed.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, count]) => `${type} ${((100 * count) / seed.events).toFixed(1)} %`)
    .join(', ');
  const documents = (result: RebuildResult) => fmt(Object.values(result.documents).reduce((a, b) => a + b, 0));
  const lines: string[] = [];
  lines.push('# Projection rebuild bench', '');
  lines.push(
    `${report.date} · ${info.cpus} × ${info.cpuModel} · ${fmt(info.totalMemoryMB)} MB · ${info.platform} · node ${info.node} · ` +
      `better-sqlite3 ${info.betterSqlite3} · SQLite ${info.sqlite} · commit ${info.commit ?? '?'}`,
    '',
  );
  lines.push(
    `Load average at start ${report.loadAverage.start.map((n) => n.toFixed(2)).join(' / ')}, at end ${report.loadAverage.end.map((n) => n.toFixed(2)).join(' / ')}; ` +
      `other processes kept ${(100 * report.sqlite.othersBusy).toFixed(0)} % of the ${info.cpus} cores busy during the measured SQLite rebuild (a shared machine).`,
    '',
  );
  lines.push(
    `History: ${fmt(seed.events)} events in ${fmt(seed.streams)} streams, seeded through \`SqliteEventStore.appendToStream\` ` +
      `(${fmt(seed.appends)} appends, one per command, exact expected revisions, in transactions of ${fmt(report.config.seedWindow as number)} events) in ${seed.seconds.toFixed(1)} s ` +
      `(${fmt(seed.events / seed.seconds)} events/s); ~${seed.avgJsonBytes} bytes of JSON data + metadata per event; UUIDv7 ids as \`newId()\` makes them; every payload validated by its zod schema. ` +
      `Mix: ${mix}.`,
    '',
  );
  lines.push(
    `Rebuild: \`rebuildProjections\` (what \`npm run rebuild-projections\` runs) of every projection of \`allModules\` (${sqlite.projections.join(', ')}), ` +
      `batch size ${report.config.batchSize ?? 'default'}, each in a fresh child process; events/s counts the events it applied (the projections' types; the store also holds uniqueness claims it skips).`,
    '',
  );
  lines.push('| Rebuild into | Events in history | Events applied | Documents | Seconds | Events/s | CPU s (user + sys) | GC pauses |');
  lines.push('|---|--:|--:|--:|--:|--:|--:|--:|');
  const row = (label: string, history: number, result: RebuildResult) =>
    `| ${label} | ${fmt(history)} | ${fmt(result.applied)} | ${documents(result)} | ${result.seconds.toFixed(1)} | **${fmt(result.perSecond)}** | ` +
    `${(result.cpuSeconds.user + result.cpuSeconds.system).toFixed(1)} | ${(result.gc.ms / 1000).toFixed(1)} s (${fmt(result.gc.count)}) |`;
  lines.push(row('SQLite read models (`SqliteReadStore`, WAL, synchronous=NORMAL)', seed.events, sqlite));
  if ('rebuild' in report.mongo) lines.push(row(`MongoDB read models (\`MongoReadStore\`, ${report.mongo.server})`, report.mongo.events, report.mongo.rebuild));
  else lines.push(`| MongoDB read models | — | — | — | — | skipped | — | — |`);
  lines.push('');
  const { targets } = report;
  lines.push('| Target | Measured | Threshold | Result |', '|---|--:|--:|---|');
  lines.push(`| SQLite rebuild events/s | ${fmt(targets.rate.measured)} | ≥ ${fmt(targets.rate.threshold)} | ${targets.rate.pass ? 'PASS' : 'FAIL'} |`);
  lines.push(
    `| Share of the SQLite rebuild's time outside the stores' reads and writes (timers) | ${(100 * targets.outside.measured).toFixed(1)} % | < ${(100 * targets.outside.threshold).toFixed(0)} % | ${targets.outside.pass ? 'PASS' : 'FAIL'} |`,
  );
  lines.push('');

  lines.push('## Where the SQLite rebuild spends its time', '');
  const t = sqlite.times!;
  const shares = timerShares(sqlite);
  lines.push('Timers around every call the rebuild makes to its stores (measured run):', '');
  lines.push('| Part | ms | Share | Calls |', '|---|--:|--:|--:|');
  lines.push(`| Event store reads: \`readAll\` iterator (SQL pages, row parsing) | ${fmt(t.readAllMs)} | ${pct(t.readAllMs, shares.totalMs)} | ${fmt(t.readAllNexts)} |`);
  lines.push(`| Read store \`load\` | ${fmt(t.loadMs)} | ${pct(t.loadMs, shares.totalMs)} | ${fmt(t.loads)} |`);
  lines.push(`| Read store \`commit\` (JSON.stringify, upserts, transaction) | ${fmt(t.commitMs)} | ${pct(t.commitMs, shares.totalMs)} | ${fmt(t.commits)} |`);
  lines.push(`| Read store \`activate\` (index builds, swap) + \`define\`/\`drop\` | ${fmt(t.activateMs + t.setupMs)} | ${pct(t.activateMs + t.setupMs, shares.totalMs)} | |`);
  lines.push(`| **Stores' own reads and writes** | **${fmt(shares.storeMs)}** | **${pct(shares.storeMs, shares.totalMs)}** | |`);
  lines.push(`| **Outside the stores** (decoding, batching, folding events into the rebuild's documents with each projection's \`evolve\`, awaits) | **${fmt(shares.outsideMs)}** | **${pct(shares.outsideMs, shares.totalMs)}** | |`);
  lines.push(`| *of the whole: GC pauses, wherever they fell* | *${fmt(sqlite.gc.ms)}* | *${pct(sqlite.gc.ms, shares.totalMs)}* | |`);
  lines.push('');
  if ('breakdown' in report.profile) {
    const { breakdown, rebuild } = report.profile;
    const ps = profileShares(breakdown);
    const { ms } = breakdown;
    lines.push(
      `CPU profile (\`node --cpu-prof\` on a second rebuild in its own child process, no timers; ${fmt(rebuild.perSecond)} events/s with the profiler on; ${fmt(breakdown.samples)} samples over the rebuild). ` +
        'A sample counts for the nearest project frame on its stack (better-sqlite3 and JSON work called by a store count for that store):',
      '',
    );
    lines.push('| Part | CPU ms | Share |', '|---|--:|--:|');
    lines.push(`| Event store (\`src/infrastructure/event-store\`) | ${fmt(ms.eventStore)} | ${pct(ms.eventStore, ps.busyMs)} |`);
    lines.push(`| Read store (\`src/infrastructure/read-store\`) | ${fmt(ms.readStore)} | ${pct(ms.readStore, ps.busyMs)} |`);
    lines.push(`| Project code outside the stores (\`src/projections\`, decoding, bench harness) | ${fmt(ms.projectCode)} | ${pct(ms.projectCode, ps.busyMs)} |`);
    lines.push(`| Node internals (promises, microtasks, module code) | ${fmt(ms.nodeInternals)} | ${pct(ms.nodeInternals, ps.busyMs)} |`);
    lines.push(`| Garbage collector (unattributed: allocations of every part) | ${fmt(ms.gc)} | ${pct(ms.gc, ps.busyMs)} |`);
    lines.push(`| *(idle, not counted)* | *${fmt(ms.idle)}* | |`);
    lines.push(
      `| **Outside the stores** | | **${(100 * ps.outsideWithoutGc).toFixed(1)} %** without GC, ${(100 * ps.outsideWithGc).toFixed(1)} % counting all GC as outside |`,
    );
    lines.push('');
    lines.push('Most self time outside the stores:', '');
    lines.push('| Function | Where | CPU ms |', '|---|---|--:|');
    for (const entry of breakdown.topOutside) lines.push(`| \`${entry.name}\` | ${entry.where} | ${fmt(entry.ms)} |`);
    lines.push('');
    lines.push('Most self time in the stores:', '');
    lines.push('| Function | Where | CPU ms |', '|---|---|--:|');
    for (const entry of breakdown.topStores) lines.push(`| \`${entry.name}\` | ${entry.where} | ${fmt(entry.ms)} |`);
    lines.push('');
  } else lines.push(`CPU profile: skipped (${report.profile.skipped}).`, '');

  lines.push('## Checks and notes', '');
  lines.push(`- SQLite read models: ${checkLine(sqlite)}; read-model file ${fmt((sqlite.readModelBytes ?? 0) / 2 ** 20)} MB.`);
  if ('rebuild' in report.mongo) {
    const { rebuild, events } = report.mongo;
    lines.push(`- MongoDB read models: ${checkLine(rebuild)}; database dropped afterwards.`);
    lines.push(`- The MongoDB row rebuilds only the first ${fmt(events)} events of the same history (\`rebuildProjections\` bounded at that position).`);
    if (rebuild.writeGuard !== undefined)
      lines.push(
        `- MongoDB write guard: \`${rebuild.writeGuard}\` (chosen by \`MongoReadStore\` for this server${report.mongo.ferretdb ? ', FerretDB' : ''}; see \`MongoWriteGuard\`). ` +
          'Override the MongoDB row\'s size with BENCH_PROJ_MONGO_EVENTS.',
      );
  } else lines.push(`- MongoDB row skipped: ${report.mongo.skipped}.`);
  lines.push(`- Whole bench run: ${report.totalSeconds.toFixed(0)} s. Sizes and options: ${Object.entries(report.config).map(([k, v]) => `${k}=${v ?? 'default'}`).join(', ')}.`);
  lines.push('');
  return lines.join('\n');
};
