/**
 * Top functions of a V8 .cpuprofile (from `node --cpu-prof`, e.g. BENCH_HTTP_CPU_PROF=<dir> npm run bench:http):
 * self time and inclusive time (a function counted once per sample, however deep its recursion).
 *
 *   tsx bench/http/profile-top.ts <file.cpuprofile> [rows=40] [filter]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, rowsArg, filter] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [rows] [filter]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const rows = Number(rowsArg ?? 40);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const short = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(/^.*\/main\//, '');
const label = (node: ProfileNode) =>
  `${node.callFrame.functionName || '(anonymous)'} ${short(node.callFrame.url)}${node.callFrame.url ? `:${node.callFrame.lineNumber + 1}` : ''}`;

/** Where a function lives: its package under node_modules, its file in the project, or the node internals. */
const moduleOf = (node: ProfileNode): string => {
  const { url } = node.callFrame;
  if (!url) return node.callFrame.functionName || '(native)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `pkg ${pkg[1]}`;
  if (url.startsWith('node:')) return url;
  return short(url);
};

const self = new Map<string, number>();
const byModule = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((sample, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  total += delta;
  const leaf = byId.get(sample)!;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + delta);
  byModule.set(moduleOf(leaf), (byModule.get(moduleOf(leaf)) ?? 0) + delta);
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
    const name = label(byId.get(id)!);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
  }
});

const print = (title: string, table: Map<string, number>) => {
  process.stdout.write(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)\n`);
  const sorted = [...table].filter(([name]) => !filter || name.includes(filter)).sort((a, b) => b[1] - a[1]);
  for (const [name, us] of sorted.slice(0, rows))
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}\n`);
};
print('Self time by package or file', byModule);
print('Self time', self);
print('Inclusive time', inclusive);
