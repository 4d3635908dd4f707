// Helpers for driving the sandbox from client tests: its control routes (what a human, a trainer or
// a fault would do) and a draft filler that answers missing fields the way a person would.
import assert from 'node:assert/strict';
import { startSandbox, type SandboxOptions } from '../../src/sandbox';
import {
  OpenTrainClient,
  readMissingFields,
  type Capabilities,
  type DraftEnvelope,
  type DraftPatch,
  type IdentityRegistration,
  type MissingField,
} from '../../src/opentrain';

export interface SandboxHarness {
  url: string;
  /** A client without a token (agent auth routes, tokenless reads). */
  anonymous: OpenTrainClient;
  control<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Registers a fresh identity; returns it and a client holding its pre-claim token. */
  register(name?: string): Promise<{ identity: IdentityRegistration; client: OpenTrainClient }>;
  /** Moves the sandbox clock forward (claim windows, attempts, polling intervals, daily quota). */
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: SandboxOptions = {}): Promise<SandboxHarness> {
  const sandbox = await startSandbox({ port: 0, ...options });
  const anonymous = new OpenTrainClient({ baseUrl: sandbox.url, timeoutMs: 5000 });
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${sandbox.url}/__sandbox${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T;
    assert.ok(response.ok, `control ${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url: sandbox.url,
    anonymous,
    control,
    register: async (name = 'client-test') => {
      const identity = await anonymous.registerIdentity({ agent_name: name });
      return { identity, client: anonymous.withToken(identity.access_token) };
    },
    advance: async (seconds) => {
      await control('POST', '/clock/advance', { seconds });
    },
    close: () => sandbox.close(),
  };
}

/** A value a person would give for a missing field: the enum's example, or the example as its type. */
export function answerFor(field: MissingField): unknown {
  if (field.enumValues && field.enumValues.length > 0) {
    return typeof field.example === 'string' && field.enumValues.includes(field.example) ? field.example : field.enumValues[0];
  }
  if (field.type === 'number' || field.type === 'integer') return Number(field.example ?? 1) || 1;
  if (field.type === 'string[]') return [String(field.example ?? 'English')];
  return String(field.example ?? `answer for ${field.field}`);
}

/** PATCHes answers for every missing field until publishReady, as the workflow's loop does. */
export async function fillDraft(client: OpenTrainClient, draft: DraftEnvelope, capabilities?: Capabilities): Promise<DraftEnvelope> {
  let current = draft;
  for (let round = 0; round < 5 && !current.validation.publishReady; round++) {
    const missing = readMissingFields(current, capabilities);
    assert.ok(missing.length > 0, 'not publish-ready, yet no missing field to answer');
    const patch = Object.fromEntries(missing.map((field) => [field.updateKeys[0], answerFor(field)])) as DraftPatch;
    current = await client.updateJobDraft(current.jobId, patch);
  }
  assert.equal(current.validation.publishReady, true, 'draft still not publish-ready after 5 rounds');
  return current;
}

/** A publish-ready draft from plain text. */
export async function readyDraft(client: OpenTrainClient, text: string, idempotencyKey?: string): Promise<DraftEnvelope> {
  const draft = await client.createJobDraft({ rawJobDescription: text, ...(idempotencyKey ? { idempotencyKey } : {}) });
  return fillDraft(client, draft);
}

export const JOB_TEXT =
  'Image categorisation. We need 3 annotators to label 10,000 product images. Pay per label.';
