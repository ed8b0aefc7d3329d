#!/usr/bin/env node
// The `vnfm` command: runs src/cli/main.ts through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
