const dir = process.env.DIR ?? '/work/main';
const { measureRun } = await import(`${dir}/bench/sagas/measure.js`);
const { startRedis } = await import(`${dir}/bench/sagas/platform.js`);
const profile = (process.env.P ?? 'embedded') as 'embedded' | 'redis';
const clients = Number(process.env.C ?? 64);
const redis = profile === 'redis' ? await startRedis() : undefined;
try {
  const run = await measureRun({ profile, phase: process.env.RATE ? 'target-rate' : 'capacity', load: process.env.RATE ? { kind: 'rate', perSecond: Number(process.env.RATE) } : { kind: 'clients', clients }, products: 100, warmupSeconds: 3, seconds: Number(process.env.S ?? 10), drainSeconds: 60, ...(redis ? { redis } : {}), ...(process.env.PROF ? { cpuProfDir: process.env.PROF } : {}) });
  console.log(JSON.stringify({ dir, profile, clients, confirmed: run.confirmedPerSecond.toFixed(0), cpuMsPerOrder: run.cpuMsPerOrder?.toFixed(2), cores: run.serverCores?.toFixed(2), p50: run.latencyMs.p50, p99: run.latencyMs.p99, warnings: run.serverWarnings, cpu: run.cpu, notConfirmed: run.notConfirmed.cancelled + run.notConfirmed.open }));
} finally { redis?.stop(); }
