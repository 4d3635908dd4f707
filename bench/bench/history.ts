/**
 * What one workflow history costs: events, and Temporal Cloud actions as the billing rules count them
 * (docs.temporal.io/cloud/actions): workflow start, every activity attempt (ActivityTaskStarted.attempt
 * counts the retries that never show as events), timers, signals, accepted updates, search-attribute
 * upserts, markers. Queries, heartbeats and rejected updates are not in history; the bench adds the
 * queries it sent itself.
 */
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export interface HistoryCost {
  events: number;
  actions: {
    workflowStarted: number;
    activityAttempts: number;
    timers: number;
    signals: number;
    updates: number;
    searchAttributeUpserts: number;
    markers: number;
    total: number;
  };
  /** Attempts per activity type (pollClaimToken attempts = token polls). */
  attemptsByActivity: Record<string, number>;
  /** Workflow tasks completed (each is a state transition of the workflow on the server). */
  workflowTasks: number;
}

export function historyCost(history: History): HistoryCost {
  const events = history.events ?? [];
  const typeByScheduledId = new Map<string, string>();
  const attemptsByActivity: Record<string, number> = {};
  const actions = { workflowStarted: 0, activityAttempts: 0, timers: 0, signals: 0, updates: 0, searchAttributeUpserts: 0, markers: 0, total: 0 };
  let workflowTasks = 0;
  for (const event of events) {
    if (event.workflowExecutionStartedEventAttributes) actions.workflowStarted += 1;
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeByScheduledId.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const attempts = Number(started.attempt ?? 1) || 1;
      const type = typeByScheduledId.get(String(started.scheduledEventId)) ?? '?';
      attemptsByActivity[type] = (attemptsByActivity[type] ?? 0) + attempts;
      actions.activityAttempts += attempts;
    }
    if (event.timerStartedEventAttributes) actions.timers += 1;
    if (event.workflowExecutionSignaledEventAttributes) actions.signals += 1;
    if (event.workflowExecutionUpdateAcceptedEventAttributes) actions.updates += 1;
    if (event.upsertWorkflowSearchAttributesEventAttributes) actions.searchAttributeUpserts += 1;
    if (event.markerRecordedEventAttributes) actions.markers += 1;
    if (event.workflowTaskCompletedEventAttributes) workflowTasks += 1;
  }
  actions.total = actions.workflowStarted + actions.activityAttempts + actions.timers + actions.signals + actions.updates + actions.searchAttributeUpserts + actions.markers;
  return { events: events.length, actions, attemptsByActivity, workflowTasks };
}

/** Averages of several histories' costs. */
export function meanCost(costs: HistoryCost[]): HistoryCost {
  const n = Math.max(1, costs.length);
  const mean = (pick: (c: HistoryCost) => number) => costs.reduce((sum, c) => sum + pick(c), 0) / n;
  const keys = [...new Set(costs.flatMap((c) => Object.keys(c.attemptsByActivity)))].sort();
  return {
    events: mean((c) => c.events),
    workflowTasks: mean((c) => c.workflowTasks),
    actions: {
      workflowStarted: mean((c) => c.actions.workflowStarted),
      activityAttempts: mean((c) => c.actions.activityAttempts),
      timers: mean((c) => c.actions.timers),
      signals: mean((c) => c.actions.signals),
      updates: mean((c) => c.actions.updates),
      searchAttributeUpserts: mean((c) => c.actions.searchAttributeUpserts),
      markers: mean((c) => c.actions.markers),
      total: mean((c) => c.actions.total),
    },
    attemptsByActivity: Object.fromEntries(keys.map((k) => [k, mean((c) => c.attemptsByActivity[k] ?? 0)])),
  };
}
