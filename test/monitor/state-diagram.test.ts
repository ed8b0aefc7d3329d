// docs/monitoring.md draws the monitor's states and transitions; they must be
// exactly the state machine's TRANSITIONS (the property test checks that the
// machine makes no other change of MonitorState, and makes each of these).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MONITOR_STATES } from '../../src/monitoring/contract.js';
import { TRANSITIONS } from '../../src/workflows/monitor/machine.js';

const doc = readFileSync(new URL('../../docs/monitoring.md', import.meta.url), 'utf8');

function diagram(): string[][] {
  const at = doc.indexOf('<!-- docs-test: monitor-states -->');
  expect(at, 'docs/monitoring.md has a block marked docs-test: monitor-states').toBeGreaterThan(0);
  const m = /```mermaid\n([\s\S]*?)```/.exec(doc.slice(at));
  expect(m).not.toBeNull();
  const lines = m![1]!.split('\n').map((l) => l.trim());
  expect(lines[0]).toBe('stateDiagram-v2');
  return lines
    .slice(1)
    .filter(Boolean)
    .map((l) => {
      const e = /^(\S+) --> (\S+) : (.+)$/.exec(l);
      if (!e) throw new Error(`not a transition line: ${l}`);
      return [e[1]!, e[2]!, e[3]!];
    });
}

describe('docs/monitoring.md state diagram', () => {
  it('is the state machine, transition for transition', () => {
    expect(diagram()).toEqual(TRANSITIONS.map((t) => [...t]));
  });

  it('names every MonitorState and only those', () => {
    const states = new Set(TRANSITIONS.flatMap(([a, b]) => [a, b]).filter((s) => s !== '[*]'));
    expect([...states].sort()).toEqual([...MONITOR_STATES].sort());
  });
});
