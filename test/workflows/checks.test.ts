/**
 * The zod-free checks that run inside workflow code agree with the zod schemas the API and client use.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DRAFT_FIELD_KINDS } from '../../src/opentrain/draft-fields';
import { draftPatchShape } from '../../src/opentrain/schemas';
import { validateAnswers } from '../../src/workflows/answers';
import { lifecycleInputSchema } from '../../src/workflows/input';
import { checkLifecycleInput } from '../../src/workflows/input-check';
import { NO_CLAIM } from '../../src/workflows/definitions';

const context = { updateKeys: null, enums: {}, missingFields: [] };

describe('checks inside workflow code', () => {
  test('the draft field table and the PATCH schema name the same keys and enum values', () => {
    assert.deepEqual(Object.keys(DRAFT_FIELD_KINDS).sort(), Object.keys(draftPatchShape).sort());
    for (const [key, kind] of Object.entries(DRAFT_FIELD_KINDS)) {
      if (typeof kind === 'string') continue;
      const schema = draftPatchShape[key as keyof typeof draftPatchShape] as unknown as { options: string[] };
      assert.deepEqual([...kind], schema.options, key);
    }
  });

  test('answers: kinds are checked like the PATCH schema checks them', () => {
    const cases: Array<[Record<string, unknown>, boolean]> = [
      [{ headcount: 3 }, true], [{ headcount: 0 }, false], [{ headcount: 1e21 }, false], [{ headcount: 2.5 }, false], [{ headcount: '3' }, false],
      [{ pricePerLabel: 0.05 }, true], [{ pricePerLabel: -1 }, false], [{ pricePerLabel: 'cheap' }, false],
      [{ languages: ['English'] }, true], [{ languages: 'English' }, false],
      [{ experienceLevel: 'EXPERT' }, true], [{ experienceLevel: 'expert' }, false],
      [{ jobTitle: 'Cars' }, true], [{ jobTitle: 12 }, false], [{ notAField: 1 }, false],
    ];
    for (const [values, ok] of cases) {
      assert.equal(validateAnswers(values, context).length === 0, ok, JSON.stringify(values));
      const [key, value] = Object.entries(values)[0]!;
      const shape = draftPatchShape[key as keyof typeof draftPatchShape];
      if (shape) assert.equal(shape.safeParse(value).success || !ok, true, `zod disagrees on ${JSON.stringify(values)}`);
    }
  });

  test('input: what the zod schema accepts passes, with the policy defaults applied', () => {
    const inputs = [
      { draft: { rawJobDescription: 'Label cars' } },
      { draft: { source: { type: 'text', text: 'Label cars' } }, claim: { email: 'a@example.com' }, policy: { review: 'accept' } },
      { draft: { format: 'opentrain_canonical', job: { title: 'Cars' } }, account: { credentialId: 'cred_x' }, claim: NO_CLAIM },
      { draft: { rawJobDescription: 'x' }, account: { agentName: 'bot' }, answers: { headcount: 3 }, policy: { publish: 'manual', claimAttempts: 5 } },
    ];
    for (const input of inputs) {
      assert.ok(lifecycleInputSchema.safeParse(input).success, 'zod accepts');
      const checked = checkLifecycleInput(input);
      assert.ok(checked.ok, JSON.stringify(input));
      const zodPolicy = lifecycleInputSchema.parse(input).policy ?? { review: 'confirm', publish: 'auto', claimAttempts: 3 };
      assert.deepEqual(checked.input.policy, zodPolicy);
    }
  });

  test('input: bad shapes are refused with the field named', () => {
    const refusals: Array<[unknown, string]> = [
      [null, '(input)'],
      [{ draft: {} }, 'draft'],
      [{ draft: { rawJobDescription: 'x' }, extra: 1 }, 'extra'],
      [{ draft: { rawJobDescription: 'x' }, claim: { email: 'nope' } }, 'claim'],
      [{ draft: { rawJobDescription: 'x' }, policy: { review: 'maybe' } }, 'policy.review'],
      [{ draft: { rawJobDescription: 'x' }, policy: { claimAttempts: 0 } }, 'policy.claimAttempts'],
      [{ draft: { rawJobDescription: 'x' }, account: { credentialId: 'a', agentName: 'b' } }, 'account'],
      [{ draft: { rawJobDescription: 'token ot_pat_abc123' } }, '(input)'],
    ];
    for (const [input, field] of refusals) {
      const checked = checkLifecycleInput(input);
      assert.ok(!checked.ok && checked.issues.some((issue) => issue.field === field), `${JSON.stringify(input)} -> ${field}`);
      assert.ok(!lifecycleInputSchema.safeParse(input).success, `zod refuses ${JSON.stringify(input)} too`);
    }
  });
});
