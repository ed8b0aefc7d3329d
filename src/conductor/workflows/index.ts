// Workflows of the conductor task queue.
export { createVnfWorkflow } from './create-vnf.js';
export { deleteVnfWorkflow } from './delete-vnf.js';
export { scaleVnfWorkflow } from './scale-vnf.js';
export { updateVnfWorkflow } from './update-vnf.js';
export { respawnVnfWorkflow } from './respawn-vnf.js';
export { healVduWorkflow } from './heal-vdu.js';
export { executePolicyAction } from './execute-policy-action.js';
export { monitorCommandWorkflow } from './monitor-command.js';
export { healHoldWorkflow } from './heal-hold.js';
export { releasedActionWorkflow } from './released-action.js';
export { settleVnfWorkflow } from './settle-vnf.js';
