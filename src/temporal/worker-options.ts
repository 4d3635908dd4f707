/**
 * Worker settings for production, from the configuration (docs/operations.md, "Scaling workers").
 *
 * - Concurrency: activities are short HTTP calls that mostly wait on the network, so 20 slots per
 *   replica (WORKER_MAX_CONCURRENT_ACTIVITIES) are cheap; workflow tasks are CPU work in the sandbox, and
 *   10 slots (WORKER_MAX_CONCURRENT_WORKFLOW_TASKS) keep a 2-core replica responsive; 500 cached
 *   workflows (WORKER_MAX_CACHED_WORKFLOWS) keep the open lifecycles of a replica in memory, so a
 *   signal or update does not replay the history first.
 * - Rate limit: OPENTRAIN_MAX_REQUESTS_PER_SECOND becomes maxTaskQueueActivitiesPerSecond, enforced by
 *   the Temporal server for the whole task queue, i.e. all replicas together. Every activity is one
 *   OpenTrain request. Eager activity dispatch would hand activities to the worker that scheduled them
 *   without going through the task queue (and its limit), so it is switched off when a limit is set.
 * - Shutdown: on SIGTERM the worker stops polling and lets running activities finish for
 *   WORKER_SHUTDOWN_GRACE_SECONDS; after that they are cancelled (and retried elsewhere by Temporal), and
 *   15 s later the worker gives up for good. Give the container a longer stop timeout than the sum.
 */
import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';

export const FORCE_SHUTDOWN_AFTER_GRACE_MS = 15_000;

export type ProductionWorkerOptions = Pick<
  WorkerOptions,
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxCachedWorkflows'
  | 'shutdownGraceTime'
  | 'shutdownForceTime'
  | 'maxTaskQueueActivitiesPerSecond'
  | 'maxEagerActivityReservationsPerWorkflowTask'
>;

export function productionWorkerOptions(worker: Config['worker']): ProductionWorkerOptions {
  const graceMs = Math.round(worker.shutdownGraceSeconds * 1000);
  return {
    maxConcurrentActivityTaskExecutions: worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: worker.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: worker.maxCachedWorkflows,
    shutdownGraceTime: graceMs,
    shutdownForceTime: graceMs + FORCE_SHUTDOWN_AFTER_GRACE_MS,
    ...(worker.maxRequestsPerSecond === undefined
      ? {}
      : { maxTaskQueueActivitiesPerSecond: worker.maxRequestsPerSecond, maxEagerActivityReservationsPerWorkflowTask: 0 }),
  };
}
