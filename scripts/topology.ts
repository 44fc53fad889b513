import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { keySourceOf, loadSigningKey } from '../src/infrastructure/auth/signing-keys.js';
import { type Config, loadConfig } from '../src/infrastructure/config/config.js';
import { STOP_SIGNALS } from '../src/infrastructure/process/signals.js';
import { StartupError } from '../src/infrastructure/process/startup-error.js';
import { LEVELS, type LevelName, roleLines } from './topology/role-lines.js';
import { type RoleProcess, startRoleProcess } from './topology/role-process.js';
import { roleUrlVariables } from './topology/role-urls.js';

// `npm run topology`: the production topology as separate processes on this machine, without Docker. Every role of
// docker-compose.yml is a child process on a free loopback port, in the order they need each other; the gateway
// alone listens on PORT. They share REDIS_URL, MONGODB_URL and the event store: EVENTSTORE_URL, or one embedded file
// in DATA_DIR. Ctrl-C (or SIGTERM) stops them all, each gracefully. `--projectors N` and `--saga-workers N` run a
// role more than once (projector-2, saga-worker-2, …): the gateway forwards to the first of each.

interface Instance {
  name: string;
  role: string;
}

const USAGE = 'npm run topology [-- [--projectors N] [--saga-workers N]]';
const MAX_INSTANCES = 9;

const countOf = (value: string | undefined, option: string): number => {
  if (value === undefined) return 1;
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(count >= 1 && count <= MAX_INSTANCES)) throw new StartupError(`--${option} ${value} is not a number from 1 to ${MAX_INSTANCES}: ${USAGE}`);
  return count;
};

const parseOptions = (args: string[]): { projectors: number; sagaWorkers: number } => {
  try {
    const { values } = parseArgs({ args, options: { projectors: { type: 'string' }, 'saga-workers': { type: 'string' } }, strict: true });
    return { projectors: countOf(values.projectors, 'projectors'), sagaWorkers: countOf(values['saga-workers'], 'saga-workers') };
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(`${(error as Error).message}: ${USAGE}`);
  }
};

const instancesOf = (role: string, count: number): Instance[] =>
  Array.from({ length: count }, (_, index) => ({ name: index === 0 ? role : `${role}-${index + 1}`, role }));

/**
 * Started together, each group once the one before serves: the others call the users API and the payment gateway.
 * The other projectors start once the first serves, by which time it holds every projection's lease: they stand by.
 */
const phasesOf = ({ projectors, sagaWorkers }: { projectors: number; sagaWorkers: number }): Instance[][] => {
  const [firstProjector, ...standbys] = instancesOf('projector', projectors);
  const once = (...roles: string[]): Instance[] => roles.map((role) => ({ name: role, role }));
  return [
    once('payment-gateway', 'users-api'),
    [firstProjector!, ...once('catalog-api', 'orders-api', 'markets-api'), ...instancesOf('saga-worker', sagaWorkers)],
    [...standbys, ...once('gateway')],
  ];
};

/** Longer than a role's own grace for a stop (30 s), after which it exits by itself. */
const KILL_AFTER_MS = 35_000;

const checkEnvironment = (config: Config): void => {
  const missing = (['REDIS_URL', 'MONGODB_URL'] as const).filter((name) => config[name] === undefined);
  if (missing.length > 0)
    throw new StartupError(
      `npm run topology needs ${missing.join(' and ')} (the roles share jobs, rate limits and read models through them), ` +
        'e.g. REDIS_URL=redis://127.0.0.1:6379 MONGODB_URL=mongodb://127.0.0.1:27017/ledgerflow npm run topology',
    );
  if (config.EVENTSTORE_URL?.startsWith('memory:'))
    throw new StartupError('npm run topology cannot use EVENTSTORE_URL=memory: (each process would keep events of its own): unset it, or give an esdb:// URL');
};

const main = async (): Promise<void> => {
  const phases = phasesOf(parseOptions(process.argv.slice(2)));
  const width = Math.max('topology'.length, ...phases.flat().map(({ name }) => name.length));
  const say = (text: string) => console.log(`${'topology'.padEnd(width)} | ${text}`);
  const config = loadConfig(process.env);
  checkEnvironment(config);
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  // Made once, here, rather than raced for by the roles as they boot: they all read this one.
  if (config.JWT_PRIVATE_KEY === undefined) await loadSigningKey(keySourceOf({ ...config, DATA_DIR: dataDir }));

  const shown: LevelName = config.LOG_LEVEL;
  // The roles log at info at least: their startup line says where they serve.
  const level = LEVELS[shown] < LEVELS.info ? shown : 'info';
  const colorize = process.stdout.isTTY === true;
  const { SERVICE_ROLE: _role, ...inherited } = process.env;
  const base = { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: level, PORT: '0' };
  const running: RoleProcess[] = [];

  let stopping: Promise<void> | undefined;
  const stopAll = (code: number) =>
    (stopping ??= (async () => {
      for (const { child } of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const kill = setTimeout(() => running.forEach(({ child }) => child.kill('SIGKILL')), KILL_AFTER_MS);
      const results = await Promise.all(running.map(({ exited }) => exited));
      clearTimeout(kill);
      process.exit(code !== 0 || results.some((result) => result.code !== 0) ? 1 : 0);
    })());
  let signalled = false;
  for (const signal of STOP_SIGNALS)
    process.on(signal, () => {
      if (signalled) {
        say(`${signal} again: killing every role now`);
        for (const { child } of running) child.kill('SIGKILL');
        process.exit(1);
      }
      signalled = true;
      say(`${signal}: stopping every role`);
      void stopAll(0);
    });

  const start = ({ name, role }: Instance, env: NodeJS.ProcessEnv): RoleProcess => {
    const lines = roleLines(name, { level: shown, colorize, width });
    const started = startRoleProcess(
      role,
      env,
      (text) => {
        const formatted = lines.format(text);
        if (formatted !== undefined) console.log(formatted);
      },
      name,
    );
    running.push(started);
    void started.exited.then(({ code, signal }) => {
      if (stopping) return;
      say(`${name} exited (${signal ?? `code ${code}`}): stopping every role`);
      void stopAll(1);
    });
    return started;
  };

  // By instance name: the first instance of a role is named after it, and is the one the others are told of.
  const urls = new Map<string, string>();
  for (const phase of phases) {
    const env: NodeJS.ProcessEnv = { ...base, ...roleUrlVariables(urls) };
    const started = phase.map((instance) => start(instance, instance.role === 'gateway' ? { ...env, PORT: String(config.PORT) } : env));
    try {
      for (const { name, serving } of started) urls.set(name, await serving);
    } catch (error) {
      // A role that exits has already stopped everything (see start); only one that fails otherwise is told here.
      if (!stopping) say(`${(error as Error).message}: stopping every role`);
      return stopAll(1);
    }
  }
  const gateway = new URL(urls.get('gateway')!);
  say(`ledgerflow is serving http://localhost:${gateway.port} (the gateway) in ${urls.size} processes, over ${dataDir}`);
  for (const [name, url] of urls) if (name !== 'gateway') say(`  ${name.padEnd(width)} ${url}`);
  say('Ctrl-C stops every role');
};

main().catch((error: unknown) => {
  // A bad variable, or one missing: one line; anything else is a bug worth its stack.
  console.error(error instanceof StartupError ? error.message : error);
  process.exit(1);
});
