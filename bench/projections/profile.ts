/**
 * Reads a V8 CPU profile (`node --cpu-prof`) of a rebuild and splits the samples taken while it ran into the
 * stores' own work and the rest. A sample counts for the first frame, from the leaf up, that is the project's code:
 * under `src/infrastructure/event-store/` it is the event store's reads, under `src/infrastructure/read-store/`
 * the read store's loads, writes and index builds (better-sqlite3 and JSON.parse/stringify called from there
 * included), anything else of the project (projections, the rebuild loop, decoding, this bench's wrappers) is the
 * rest. Samples with no project frame are V8's garbage collector, idle time, or Node internals.
 */
import { type CallFrame, type ProfileNode, readCpuProfile } from '../cpu-profile.js';

export type ProfileCategory = 'eventStore' | 'readStore' | 'projectCode' | 'gc' | 'idle' | 'nodeInternals';

export interface ProfileBreakdown {
  /** Sampled milliseconds within the window, per category. */
  ms: Record<ProfileCategory, number>;
  totalMs: number;
  samples: number;
  /** Functions of the rest (project code and Node internals) with the most self time. */
  topOutside: { name: string; where: string; ms: number }[];
  /** Functions of the stores with the most self time. */
  topStores: { name: string; where: string; ms: number }[];
}

const categoryOfUrl = (url: string): ProfileCategory | undefined => {
  if (url.includes('/src/infrastructure/event-store/')) return 'eventStore';
  if (url.includes('/src/infrastructure/read-store/')) return 'readStore';
  if (url.includes('/node_modules/')) return undefined;
  if (url.includes('/src/') || url.includes('/bench/')) return 'projectCode';
  return undefined;
};

const where = (frame: CallFrame, root: string): string => {
  if (frame.url === '') return frame.functionName.startsWith('(') ? 'V8' : 'native';
  const path = decodeURIComponent(frame.url.replace(/^file:\/\//, ''));
  const relative = path.startsWith(root) ? path.slice(root.length + 1) : path.replace(/^.*\/node_modules\//, 'node_modules/');
  return relative.replace(/^node:/, 'node:');
};

/** Splits the samples taken between `fromUs` and `toUs` (the profile's clock: process.hrtime in microseconds). */
export const analyseProfile = (file: string, root: string, fromUs: number, toUs: number, top = 12): ProfileBreakdown => {
  const profile = readCpuProfile(file);
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const categoryCache = new Map<number, ProfileCategory>();
  const categoryOf = (id: number): ProfileCategory => {
    const cached = categoryCache.get(id);
    if (cached !== undefined) return cached;
    const leaf = byId.get(id)!;
    let category: ProfileCategory | undefined;
    for (let current: number | undefined = id; current !== undefined && category === undefined; current = parent.get(current)) {
      category = categoryOfUrl(byId.get(current)!.callFrame.url);
    }
    if (category === undefined) {
      const name = leaf.callFrame.functionName;
      category = name === '(garbage collector)' ? 'gc' : name === '(idle)' ? 'idle' : 'nodeInternals';
    }
    categoryCache.set(id, category);
    return category;
  };
  const ms: Record<ProfileCategory, number> = { eventStore: 0, readStore: 0, projectCode: 0, gc: 0, idle: 0, nodeInternals: 0 };
  const self = new Map<string, { name: string; where: string; ms: number; category: ProfileCategory }>();
  let time = profile.startTime;
  let samples = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (time < fromUs || time > toUs) continue;
    // A sample stands for the time since the previous one.
    const sampleMs = delta / 1000;
    const id = profile.samples[index]!;
    const category = categoryOf(id);
    ms[category] += sampleMs;
    samples++;
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = self.get(key) ?? { name: frame.functionName || '(anonymous)', where: where(frame, root), ms: 0, category };
    entry.ms += sampleMs;
    self.set(key, entry);
  }
  const totalMs = Object.values(ms).reduce((sum, value) => sum + value, 0);
  const ranked = [...self.values()].sort((a, b) => b.ms - a.ms);
  const pick = (categories: ProfileCategory[]) =>
    ranked
      .filter((entry) => categories.includes(entry.category))
      .slice(0, top)
      .map(({ name, where: at, ms: spent }) => ({ name, where: at, ms: Math.round(spent) }));
  return { ms, totalMs, samples, topOutside: pick(['projectCode', 'nodeInternals', 'gc']), topStores: pick(['eventStore', 'readStore']) };
};
