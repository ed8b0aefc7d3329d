// Teardown that runs however the bench ends: normal return, an error, or
// Ctrl-C / SIGTERM (namespaces, routes, processes and the database go).
type Task = () => Promise<void>;

const tasks: { name: string; fn: Task }[] = [];
let installed = false;
let running: Promise<void> | undefined;

/** Registers a teardown step; returns a function that runs it now (and unregisters it). */
export function onCleanup(name: string, fn: Task): () => Promise<void> {
  const entry = { name, fn };
  tasks.push(entry);
  install();
  return async () => {
    const i = tasks.indexOf(entry);
    if (i < 0) return;
    tasks.splice(i, 1);
    await fn();
  };
}

/** Runs every registered step, newest first. */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (tasks.length) {
      const t = tasks.pop()!;
      try {
        await t.fn();
      } catch (err) {
        process.stderr.write(`bench: cleanup of ${t.name} failed: ${(err as Error).message}\n`);
      }
    }
  })();
  return running;
}

function install(): void {
  if (installed) return;
  installed = true;
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) process.exit(130);
    signalled = true;
    process.stderr.write(`\nbench: ${sig}: cleaning up (again to exit at once)\n`);
    void cleanupAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onCrash = (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\ncleaning up\n`);
    void cleanupAll().finally(() => process.exit(1));
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
}
