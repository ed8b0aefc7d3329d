// A timer for "this child process should have ended by now". On an
// overloaded worker the event loop runs late: the timer's callback then runs
// before the I/O callbacks that would report the child's exit, and a plain
// timeout would turn local overload into false probe failures (and a
// respawn). So a watchdog that fires late starts its wait again (the child
// was likely starved as well); it expires only when it fires on time and the
// child is still not done.

/** How late a timer may fire before we call the event loop lagging. */
const MAX_LAG_MS = 1000;

/** Calls `expire` after `ms` unless cancelled; returns the cancel function. */
export function watchdog(ms: number, expire: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = (wait: number) => {
    const due = performance.now() + wait;
    timer = setTimeout(() => {
      if (performance.now() - due > MAX_LAG_MS) arm(ms);
      else expire();
    }, wait);
  };
  arm(ms);
  return () => clearTimeout(timer);
}
