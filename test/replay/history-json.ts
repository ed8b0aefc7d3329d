// Histories in the standard JSON format (what `temporal workflow show -o json`
// and the Web UI's download write) to History objects the replay worker
// takes. The SDK's historyFromJSON cannot be used here: it takes protobufjs's
// ProtoJSON from @temporalio/common's own copy of protobufjs, while the
// History type comes from @temporalio/proto's copy, and npm installs the two
// side by side (the root protobufjs is another major), so every call fails
// with "type must be a Type". This does the same with the copy
// @temporalio/proto itself loads.
import { createRequire } from 'node:module';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
interface ProtoJson {
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): History | null;
}

const require = createRequire(import.meta.url);
const fromProto = createRequire(require.resolve('@temporalio/proto'));
const protojson = fromProto('protobufjs/ext/protojson') as ProtoJson;
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
  patchProtobufRoot(root: unknown): { lookupType(name: string): unknown };
};
const historyType = patchProtobufRoot(require('@temporalio/proto')).lookupType(
  'temporal.api.history.v1.History',
);

/** A parsed history file (standard JSON format) as a History; throws on anything else. */
export function historyFromJson(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events))
    throw new TypeError('not a history: expected an object with an array of events');
  // Newer servers and tools may add fields: ignore them, as the SDK does.
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a history');
  return history;
}
