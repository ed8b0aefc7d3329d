// Workflow bundles (webpack, ~6 s on 2 cores, more under load) cached on disk,
// keyed by the workflow sources and the lock file, so a restarted worker — the
// recovery path after a crash — and every test file skip the rebuild.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE_CACHE = join(tmpdir(), 'vnfm-workflow-bundles');

/**
 * Changes with the workflow code: every file the entry reaches through
 * relative imports (type-only ones too: harmless), and any dependency
 * (package-lock.json).
 */
async function bundleKey(entry: string): Promise<string> {
  const h = createHash('sha256').update(entry);
  h.update(await readFile(join(ROOT, 'package-lock.json')));
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    h.update(file).update(text);
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const spec = resolve(dirname(file), m[1]!);
      const candidates = [spec, spec.replace(/\.js$/, '.ts'), `${spec}.ts`, join(spec, 'index.ts')];
      const found = candidates.find((c) => existsSync(c) && !statSync(c).isDirectory());
      // Unresolvable: a specifier in a comment or string (generated code has some).
      if (found) todo.push(found);
    }
  }
  return h.digest('hex').slice(0, 32);
}

/** The bundle of the workflows at `path`, built once per version of their sources. */
export async function cachedWorkflowBundle(path: string): Promise<WorkflowBundle> {
  const build = () =>
    bundleWorkflowCode({
      workflowsPath: path,
      logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
    });
  const file = await bundleKey(path).then(
    (key) => join(BUNDLE_CACHE, `${key}.js`),
    () => undefined,
  );
  if (!file) return build();
  try {
    return { code: await readFile(file, 'utf8') };
  } catch {
    // Not cached yet: build it.
  }
  const bundle = await build();
  try {
    await mkdir(BUNDLE_CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bundle.code);
    await rename(tmp, file); // atomic: files running in parallel never read half a bundle
    // Bundles of older sources go after a day.
    for (const old of await readdir(BUNDLE_CACHE)) {
      const p = join(BUNDLE_CACHE, old);
      if (Date.now() - (await stat(p)).mtimeMs > 86_400_000) await rm(p, { force: true });
    }
  } catch {
    // A cache that cannot be written only costs time.
  }
  return bundle;
}
