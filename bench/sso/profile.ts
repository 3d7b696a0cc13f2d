// bench/sso: where the gateway's main thread spends its time, from the .cpuprofile `node --cpu-prof` writes at
// exit, within time windows of the run (a window's bounds are this process's process.hrtime, which reads the
// same monotonic clock as V8's profile timestamps, in another process of the same machine).

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds, monotonic clock. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Window {
  readonly label: string;
  readonly fromNs: bigint;
  readonly toNs: bigint;
  readonly operations: number;
}

interface Share { name: string; selfMs: number; share: number }

export interface WindowSummary extends Window {
  /** Milliseconds of samples in the window that were not idle (program, GC and the gateway's code). */
  readonly sampledMs: number;
  readonly idleMs: number;
  readonly modules: Share[];
  readonly functions: Share[];
}

export interface ProfileSummary { readonly windows: WindowSummary[] }

const IDLE = new Set(['(idle)', '(program)']);

/** Self time by module (a package under node_modules, the gateway's own folders, node's internals) and by function. */
export function summariseProfile(profile: CpuProfile, windows: readonly Window[]): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  return {
    windows: windows.map((window) => {
      const byModule = new Map<string, number>();
      const byFunction = new Map<string, number>();
      let idleUs = 0;
      let busyUs = 0;
      let at = profile.startTime;
      const from = Number(window.fromNs / 1000n);
      const to = Number(window.toNs / 1000n);
      for (let i = 0; i < profile.samples.length; i += 1) {
        at += profile.timeDeltas[i];
        // A sample stands for the time until the next one.
        const weight = profile.timeDeltas[i + 1] ?? 0;
        if (at < from || at >= to) continue;
        const frame = nodes.get(profile.samples[i])!.callFrame;
        if (frame.functionName === '(idle)') {
          idleUs += weight;
          continue;
        }
        busyUs += weight;
        const module = moduleOf(frame.url, frame.functionName);
        byModule.set(module, (byModule.get(module) ?? 0) + weight);
        const name = `${frame.functionName || '(anonymous)'} ${IDLE.has(frame.functionName) || frame.functionName === '(garbage collector)' ? '' : `${shortUrl(frame.url)}:${frame.lineNumber + 1}`}`.trim();
        byFunction.set(name, (byFunction.get(name) ?? 0) + weight);
      }
      const shares = (map: Map<string, number>) => [...map]
        .map(([name, us]) => ({ name, selfMs: us / 1000, share: busyUs ? us / busyUs : 0 }))
        .sort((a, b) => b.selfMs - a.selfMs);
      return { ...window, sampledMs: busyUs / 1000, idleMs: idleUs / 1000, modules: shares(byModule), functions: shares(byFunction) };
    }),
  };
}

function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1];
  const own = /\/dist\/(.+)\/[^/]+$/.exec(url);
  return own ? `passerelle ${own[1]}` : url;
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
}
