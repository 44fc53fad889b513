/** A MongoDB-compatible server for the MongoDB row: MONGODB_URL if set, else a throw-away FerretDB from .ci/start-ferretdb.sh. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';

export interface MongoServer {
  url: string;
  /** What it is, for the report. */
  label: string;
  stop(): void;
}

export type MongoResolution = { server: MongoServer } | { skipped: string };

/** `workDir`: where the server keeps its pid file, data and log (removed with the bench's temp dir). */
export const resolveMongo = (root: string, workDir: string, log: (message: string) => void): MongoResolution => {
  const pidFile = join(workDir, 'ferretdb.pid');
  const given = process.env.MONGODB_URL;
  if (given) return { server: { url: given, label: 'from MONGODB_URL', stop: () => undefined } };
  const script = join(root, '.ci', 'start-ferretdb.sh');
  if (!existsSync(script)) return { skipped: 'MONGODB_URL is not set and .ci/start-ferretdb.sh is not available' };
  log('starting FerretDB (.ci/start-ferretdb.sh)…');
  const started = spawnSync('bash', [script], {
    cwd: root,
    env: { ...process.env, FERRETDB_PIDFILE: pidFile, FERRETDB_DIR: join(workDir, 'ferretdb') },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  });
  const last = started.stdout?.trim().split('\n').pop() ?? '';
  const url = /^MONGODB_URL=(.+)$/.exec(last)?.[1];
  if (started.status !== 0 || !url) {
    const reason = (started.stderr ?? '').trim().split('\n').slice(-3).join(' / ') || `exit ${started.status}`;
    return { skipped: `MONGODB_URL is not set and FerretDB could not be started (${reason})` };
  }
  const version = /FerretDB v[\d.]+/.exec(readLogHint(started.stderr ?? ''))?.[0] ?? 'FerretDB';
  return {
    server: {
      url,
      label: `${version} (SQLite backend), started by this bench`,
      stop: () => {
        try {
          const pid = Number(readFileSync(pidFile, 'utf8').trim());
          if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      },
    },
  };
};

/** The version, from the install step's log line naming the cached binary (…/ferretdb-v1.24.2/ferretdb). */
const readLogHint = (stderr: string): string => {
  const match = /ferretdb-(v[\d.]+)/.exec(stderr);
  return match ? `FerretDB ${match[1]}` : stderr;
};

/** What answers at `url`: FerretDB says so in buildInfo (`ferretdbVersion`), MongoDB gives its version. */
export const serverKind = async (url: string): Promise<{ ferretdb: boolean; version: string }> => {
  const client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 10_000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const ferret = typeof info.ferretdbVersion === 'string' ? info.ferretdbVersion : undefined;
    return ferret ? { ferretdb: true, version: `FerretDB ${ferret}` } : { ferretdb: false, version: `MongoDB ${String(info.version ?? '?')}` };
  } finally {
    await client.close();
  }
};
