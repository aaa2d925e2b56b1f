import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled CPU in the measured window, per extraction, in ms. */
  sampledMsPerCall: number;
  /** Self time per extraction by where the code lives: our packages, each dependency, Node/V8. */
  byPlace: Array<{ place: string; ms: number; share: number }>;
  /** The functions with the most self time per extraction. */
  top: Array<{ fn: string; place: string; ms: number; share: number }>;
  /** False when the window could not be matched to the samples (then the whole profile is used). */
  windowed: boolean;
}

/** Where a frame's code lives, named so a reader knows whose code it is. */
function placeOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? `V8 ${fn}` : 'V8/native';
  if (url.startsWith('node:')) {
    const mod = url.slice(5).split('/')[1] ?? url.slice(5);
    return url.includes('internal/deps/undici') ? 'node: undici (fetch)' : `node: ${mod}`;
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const ours = /\/(apps|packages)\/([^/]+)\//.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

/**
 * Reads the one .cpuprofile in `dir` and sums self time over the samples taken between `from` and
 * `to` (µs on the monotonic clock V8 and process.hrtime share on Linux), per extraction.
 */
export function summariseProfile(dir: string, from: number, to: number, calls: number): ProfileSummary {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const stamps: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) {
    t += d;
    stamps.push(t);
  }
  let windowed = stamps.some((s) => s >= from && s <= to);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    if (windowed && (stamps[i]! < from || stamps[i]! > to)) continue;
    // A sample's time is the gap to the next one.
    const us = (stamps[i + 1] ?? stamps[i]!) - stamps[i]!;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + us);
  }
  if (selfUs.size === 0) windowed = false;
  const fns = new Map<string, { fn: string; place: string; us: number }>();
  const places = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const place = placeOf(url, functionName);
    const short = url ? `${url.split('/').slice(-1)[0]}:${lineNumber + 1}` : '';
    const fn = `${functionName || '(anonymous)'}${short ? ` ${short}` : ''}`;
    const k = `${fn}|${place}`;
    const entry = fns.get(k) ?? { fn, place, us: 0 };
    entry.us += us;
    fns.set(k, entry);
    places.set(place, (places.get(place) ?? 0) + us);
    total += us;
  }
  const perCall = (us: number) => Math.round((us / 1000 / calls) * 100) / 100;
  const share = (us: number) => Math.round((us / Math.max(1, total)) * 1000) / 10;
  return {
    sampledMsPerCall: perCall(total),
    byPlace: [...places]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([place, us]) => ({ place, ms: perCall(us), share: share(us) })),
    top: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 12)
      .map((f) => ({ fn: f.fn, place: f.place, ms: perCall(f.us), share: share(f.us) })),
    windowed,
  };
}

/** Now on the clock the profile's timestamps use, in µs. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
