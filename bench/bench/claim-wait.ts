/**
 * History events and Cloud actions of one lifecycle whose human claims after 0 s, 1 h and 24 h, on the
 * time-skipping test server (hours pass in seconds). The worker runs in this process (test helper
 * createLifecycleStack) against a sandbox whose clock follows the Temporal server's clock: before each
 * OpenTrain call the sandbox clock is set to the server's current time, so the sandbox sees polls one
 * interval apart (as in real time, no slow_down) and the human approves when the server's clock has
 * passed the wait.
 */
import { Context } from '@temporalio/activity';
import { startTimeSkippingServer } from '../../test/helpers/temporal';
import { answerAllPrompts, createLifecycleStack } from '../../test/helpers/lifecycle';
import { CallCollector, type CallCounts } from './calls';
import { historyCost, type HistoryCost } from './history';
import { BENCH_JOB } from './lifecycles';
import { nowMs } from './stats';

export interface ClaimWaitRun {
  waitSec: number;
  pollIntervalSec: number;
  events: number;
  cost: HistoryCost;
  tokenPolls: number;
  httpCalls: CallCounts;
  /** Actions that do not depend on the wait: total minus one per token poll. */
  fixedActions: number;
  wallMs: number;
}

export async function measureClaimWaits(options: { waitsSec: number[]; pollIntervalSec: number; log: (line: string) => void }): Promise<ClaimWaitRun[]> {
  let offsetMs = 0;
  let waitMs = 0;
  const approveAt = new Map<string, number>();
  const sandboxNow = () => Date.now() + offsetMs;
  let sandboxUrl = '';
  const env = await startTimeSkippingServer();

  const clockedFetch: typeof fetch = async (input, init) => {
    let inActivity = false;
    try {
      inActivity = Boolean(Context.current());
    } catch {
      // not in an activity
    }
    // The server's clock, read when the call is made (the time-skipping server jumps between calls).
    if (inActivity) offsetMs = Math.max(offsetMs, (await env.currentTimeMs()) - Date.now());
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith('/api/agent/oauth/token')) {
      for (const [code, at] of approveAt) {
        if (sandboxNow() < at) continue;
        approveAt.delete(code);
        const approved = await fetch(`${sandboxUrl}/__sandbox/claims/${code}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        if (!approved.ok) throw new Error(`approve ${code}: ${approved.status} ${await approved.text()}`);
      }
    }
    const response = await fetch(input, init);
    if (url.endsWith('/api/agent/identity/claim') && response.ok) {
      const body = (await response.clone().json()) as { user_code: string };
      approveAt.set(body.user_code, sandboxNow() + waitMs);
    }
    return response;
  };

  const longest = Math.max(...options.waitsSec);
  const stack = await createLifecycleStack(env, {
    sandbox: {
      pollIntervalSec: options.pollIntervalSec,
      // One claim attempt and window long enough for the longest wait: the only thing that varies is the polls.
      claimAttemptTtlSec: longest + 86_400,
      claimWindowSec: longest + 2 * 86_400,
      now: sandboxNow,
    },
    activities: { fetch: clockedFetch },
  });
  sandboxUrl = stack.sandboxUrl;
  const runs: ClaimWaitRun[] = [];
  try {
    for (const waitSec of options.waitsSec) {
      waitMs = waitSec * 1000;
      const collector = new CallCollector(stack.sandboxUrl);
      await collector.start();
      const t0 = nowMs();
      const result = await stack.run(async () => {
        const handle = await stack.start({
          draft: { rawJobDescription: BENCH_JOB },
          claim: { email: `late-owner-${waitSec}-${Date.now()}@bench.example` },
          policy: { review: 'accept' },
        });
        await answerAllPrompts(handle);
        const outcome = await handle.result(); // time skips through the wait
        if (outcome.claimState !== 'CLAIMED') throw new Error(`claim wait ${waitSec}s ended ${outcome.claimState}`);
        return historyCost(await handle.fetchHistory());
      });
      const httpCalls = await collector.stop();
      const tokenPolls = httpCalls.byRoute['POST /api/agent/oauth/token'] ?? 0;
      const polls = result.attemptsByActivity.pollClaimToken ?? 0;
      runs.push({
        waitSec,
        pollIntervalSec: options.pollIntervalSec,
        events: result.events,
        cost: result,
        tokenPolls,
        httpCalls,
        fixedActions: result.actions.total - polls,
        wallMs: Math.round(nowMs() - t0),
      });
      options.log(`  claim wait ${waitSec / 3600} h: ${result.events} events, ${result.actions.total} actions, ${polls} poll attempts (${tokenPolls} token calls), ${Math.round(nowMs() - t0)} ms`);
    }
  } finally {
    await stack.close();
    await env.teardown();
  }
  return runs;
}
