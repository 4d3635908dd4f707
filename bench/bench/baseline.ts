/**
 * The baseline: the same OpenTrain work as one lifecycle, made by a plain script with the typed client
 * (src/opentrain), with no Temporal: register, auth/me, capabilities; then, as in the workflow, two
 * branches side by side: the job (create the draft, one PATCH per answer round, publish) and the claim
 * (claim start, the human approves at once, one interval later (RFC 8628) poll the token endpoint until
 * the token comes). Approval revokes the pre-claim token, so a job call that meets 401 waits for the
 * poll's new token and is sent again.
 */
import { AuthenticationError, AuthorizationPendingError, OpenTrainClient, SlowDownError, readMissingFields } from '../../src/opentrain';
import { toMissingFieldView } from '../../src/activities/views';
import { plausibleAnswer } from '../lib/people';
import { BENCH_JOB } from './lifecycles';
import { nowMs, sleep } from './stats';

export interface BaselineRun {
  durationMs: number;
  rounds: number;
  /** PATCH round trips (the baseline's "answer round" latency). */
  answerMs: number[];
  polls: number;
}

export async function baselineLifecycle(sandboxUrl: string, id: string): Promise<BaselineRun> {
  const t0 = nowMs();
  const agent = new OpenTrainClient({ baseUrl: sandboxUrl });
  const registration = await agent.registerIdentity({});
  let token = registration.access_token;
  const client = () => new OpenTrainClient({ baseUrl: sandboxUrl, token });
  await client().getMe();
  await client().getCapabilities();

  // Claim branch, beside the job branch as in the workflow: start, the human approves at once, poll after one interval.
  let polls = 0;
  const claimed = (async () => {
    const claim = await client().startClaim({ claim_token: registration.claim_token, email: `owner-${id}@baseline.example` });
    const claimStarted = nowMs();
    const approved = await fetch(`${sandboxUrl}/__sandbox/claims/${claim.user_code}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (!approved.ok) throw new Error(`baseline approve: ${approved.status}`);
    let intervalSec = claim.interval;
    let due = claimStarted + intervalSec * 1000;
    for (;;) {
      await sleep(Math.max(0, due - nowMs()));
      polls += 1;
      try {
        token = (await client().pollToken({ claim_token: registration.claim_token })).access_token;
        return;
      } catch (error) {
        if (error instanceof SlowDownError) intervalSec += 5;
        else if (!(error instanceof AuthorizationPendingError)) throw error;
        due = nowMs() + intervalSec * 1000;
      }
    }
  })();
  // A call made with the pre-claim token after the human approved gets 401: wait for the new token, then retry once.
  const withToken = async <T>(call: (c: OpenTrainClient) => Promise<T>): Promise<T> => {
    try {
      return await call(client());
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      await claimed;
      return call(client());
    }
  };

  const answerMs: number[] = [];
  const job = (async () => {
    let draft = await withToken((c) => c.createJobDraft({ rawJobDescription: BENCH_JOB, idempotencyKey: id }));
    while (!draft.validation.publishReady) {
      const field = readMissingFields(draft)[0];
      if (!field) throw new Error('baseline: not publish-ready and nothing missing');
      const jobId = draft.jobId;
      const t = nowMs();
      draft = await withToken((c) => c.updateJobDraft(jobId, plausibleAnswer(toMissingFieldView(field)) as never));
      answerMs.push(nowMs() - t);
      if (answerMs.length > 20) throw new Error('baseline: more than 20 answer rounds');
    }
    const jobId = draft.jobId;
    await withToken((c) => c.publishJob(jobId));
  })();
  await Promise.all([job, claimed]);
  return { durationMs: nowMs() - t0, rounds: answerMs.length, answerMs, polls };
}
