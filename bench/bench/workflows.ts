/**
 * Workflow code the benchmark worker runs: the real jobLifecycle, and the trivial workflow (one no-op
 * activity) that measures the Temporal server's ceiling on the same machine in the same run.
 */
import { proxyActivities } from '@temporalio/workflow';

export { jobLifecycle } from '../../src/workflows';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

export async function noopWorkflow(): Promise<void> {
  await noop();
}
