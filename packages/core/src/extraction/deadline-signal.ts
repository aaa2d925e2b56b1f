/**
 * A signal that aborts when `parent` does or when `deadline` (epoch ms) passes, whichever is
 * first. Built from a controller and a plain timer, not `AbortSignal.any` + `AbortSignal.timeout`:
 * on Node 20 those are held weakly, and after a GC the timeout may never fire, so a hanging call
 * outlives its deadline and its hold. Here the pending timer holds the controller strongly until
 * `dispose()`, which must be called when the call ends.
 */
export function deadlineSignal(
  parent: AbortSignal,
  deadline: number,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent.reason);
  const timer = setTimeout(
    () => controller.abort(new DOMException('The request deadline passed', 'TimeoutError')),
    Math.max(1, deadline - Date.now()),
  );
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}
