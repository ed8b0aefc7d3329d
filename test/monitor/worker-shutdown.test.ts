// A monitor worker's shutdown leaves no Temporal call of its own in flight.
// Its presence keeper follows the presence workflow with a long poll; one
// left running past the client's close comes back UNAVAILABLE, and the SDK's
// retry of it throws from a timer (an uncaught exception in the host
// process). Counted on the wire: a gRPC interceptor on the client's
// connection sees every call start and end.
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createMonitorWorker, MONITOR_WORKFLOWS_PATH } from '../../src/worker/monitor-worker.js';
import { testTemporalConfig } from '../helpers/env.js';
import { eventually, workflowBundle } from '../helpers/workers.js';

describe('monitor worker shutdown', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('ends its presence long poll: no call of its own is left in flight', async () => {
    const temporal = testTemporalConfig();
    const inFlight = new Map<string, number>();
    const count: Interceptor = (options, nextCall) =>
      new InterceptingCall(nextCall(options), {
        start(metadata, _listener, next) {
          const m = options.method_definition.path;
          inFlight.set(m, (inFlight.get(m) ?? 0) + 1);
          next(metadata, {
            onReceiveStatus(status, nextStatus) {
              inFlight.set(m, inFlight.get(m)! - 1);
              nextStatus(status);
            },
          });
        },
      });
    const connection = await Connection.connect({
      address: temporal.address,
      interceptors: [count, makeGrpcRetryInterceptor(defaultGrpcRetryOptions())],
    });
    closers.push(() => connection.close());
    const native = await NativeConnection.connect({ address: temporal.address });
    closers.push(() => native.close());
    const client = new Client({ connection, namespace: temporal.namespace });
    const m = await createMonitorWorker({
      connection: native,
      client,
      temporal,
      maxLoops: 10,
      heartbeatTimeoutMs: 10_000,
      pingEngine: 'batch',
      workflowBundle: await workflowBundle(MONITOR_WORKFLOWS_PATH),
    });
    const running = m.run();
    const calls = () => [...inFlight.values()].reduce((a, b) => a + b, 0);
    await eventually('the presence workflow followed (a long poll in flight)', async () => {
      const d = await client.workflow.getHandle(m.presenceWorkflowId).describe();
      return (
        d.status.name === 'RUNNING' &&
        (inFlight.get('/temporal.api.workflowservice.v1.WorkflowService/GetWorkflowExecutionHistory') ?? 0) >
          0
      );
    });

    await m.shutdown();
    await running;
    // The presence workflow is left to end by its own timeout: only the calls matter here.
    await eventually('no call in flight', async () => calls() === 0, 3000, 50).catch(() => undefined);
    expect(
      Object.fromEntries([...inFlight].filter(([, n]) => n > 0)),
      'calls in flight after shutdown',
    ).toEqual({});
  });
});
