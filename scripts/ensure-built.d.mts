// Types for ensure-built.mjs, which stays plain JavaScript: it runs before anything is built.
export declare const ROOT: string;
export declare function runtimeClosure(
  names: string[],
  packages?: Map<string, { dir: string; manifest: Record<string, unknown> }>,
): string[];
export declare function staleOf(names: string[], root?: string): Array<{ name: string; reason: string }>;
/** Builds `names` (and their run-time workspace dependencies) when stale; resolves to what it built. */
export declare function ensureBuilt(
  names: string[],
  options?: { root?: string; log?: (line: string) => void },
): Promise<string[]>;
