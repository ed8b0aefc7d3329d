// deploy/docker-entrypoint.sh runs the image's roles by package.json script
// name. Run for real here: the migration job's command against the test
// database, an unknown name passed through as a command.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { databaseUrl } from '../helpers/env.js';
import { ROOT } from './compose-file.js';

const exec = promisify(execFile);
const ENTRYPOINT = `${ROOT}deploy/docker-entrypoint.sh`;

describe('deploy/docker-entrypoint.sh', () => {
  it('runs a `tsx <file>` script directly under node (db:migrate, as the migrate job does)', async () => {
    const { stdout } = await exec(ENTRYPOINT, ['db:migrate'], {
      cwd: '/',
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl(), VNFM_MIGRATOR: 'builtin' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/database is up to date|applied \d+ migration/);
  });

  it('passes anything that is not a script name through, with its arguments', async () => {
    const { stdout } = await exec(ENTRYPOINT, ['sh', '-c', 'echo "$0 $1" && pwd', 'a', 'b c'], {
      cwd: '/',
      timeout: 10_000,
    });
    // It also moved to the application directory, where the image keeps it (/app).
    expect(stdout.split('\n')).toEqual(['a b c', ROOT.replace(/\/$/, ''), '']);
  });

  it('fails like the command it runs', async () => {
    await expect(exec(ENTRYPOINT, ['sh', '-c', 'exit 3'], { timeout: 10_000 })).rejects.toMatchObject({
      code: 3,
    });
  });
});
