// Workflows of the monitor task queue.
export { vnfMonitorWorkflow } from './monitor/workflow.js';
export { monitorWorkerPresence } from './worker-presence.js';
