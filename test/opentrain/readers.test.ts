// Request schemas (what the workflow's update validator reuses) and the §6.4 / §3.6 readers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DRAFT_PATCH_KEYS,
  draftEnvelopeSchema,
  draftPatchSchema,
  isClaimed,
  jobDraftCreateBodySchema,
  meSchema,
  missingFieldSchema,
  readMissingFields,
  type Capabilities,
  type DraftEnvelope,
  type Me,
} from '../../src/opentrain';

describe('draftPatchSchema', () => {
  test('accepts the §6.2 keys with their types', () => {
    const patch = { experienceLevel: 'INTERMEDIATE', headcount: 3, languages: ['English'], pricePerLabel: 0.06, visibility: 'PUBLIC' };
    assert.deepEqual(draftPatchSchema.parse(patch), patch);
    assert.equal(DRAFT_PATCH_KEYS.length, 26);
  });

  test('rejects unknown keys, wrong types, values outside the enum, and an empty patch', () => {
    const cases: Array<[unknown, string]> = [
      [{ jobTitle: 'x', salary: 5 }, ''],
      [{ headcount: '3' }, 'headcount'],
      [{ headcount: 1.5 }, 'headcount'],
      [{ experienceLevel: 'intermediate' }, 'experienceLevel'],
      [{ languages: 'English' }, 'languages'],
      [{ pricePerHour: -1 }, 'pricePerHour'],
      [{}, ''],
    ];
    for (const [patch, path] of cases) {
      const result = draftPatchSchema.safeParse(patch);
      assert.equal(result.success, false, JSON.stringify(patch));
      assert.equal(result.error?.issues[0]?.path.join('.'), path, JSON.stringify(patch));
    }
  });
});

describe('jobDraftCreateBodySchema', () => {
  test('accepts each documented shape', () => {
    for (const body of [
      { rawJobDescription: 'We need 5 annotators', idempotencyKey: 'k1', externalId: 'e1' },
      { source: { type: 'text', text: 'We need 5 annotators', idempotencyKey: 'k1' } },
      { source: { type: 'opentrain_canonical', job: { title: 'T' } } },
      { format: 'opentrain_canonical', job: { title: 'T' } },
      { format: 'schema_org_job_posting', jsonLd: { title: 'T' } },
      { format: 'hr_xml', xml: '<job/>' },
    ]) {
      assert.equal(jobDraftCreateBodySchema.safeParse(body).success, true, JSON.stringify(body));
    }
  });

  test('rejects no source, two sources, an unknown format, and text over 60,000 characters', () => {
    for (const body of [
      {},
      { rawJobDescription: 'a', source: { type: 'text', text: 'b' } },
      { format: 'pdf', job: {} },
      { format: 'indeed_xml' },
      { rawJobDescription: 'x'.repeat(60_001) },
    ]) {
      assert.equal(jobDraftCreateBodySchema.safeParse(body).success, false, JSON.stringify(body).slice(0, 80));
    }
  });
});

const capabilities = {
  capabilities: { draftCreate: true },
  draft: { updateKeys: ['experienceLevel', 'dataVolumeUnit'], enums: { experienceLevel: ['EXPERT', 'INTERMEDIATE'] } },
} satisfies Capabilities;

function envelope(extra: Partial<DraftEnvelope> & { validation?: DraftEnvelope['validation'] }): DraftEnvelope {
  return draftEnvelopeSchema.parse({ jobId: 'job_1', status: 'DRAFT', validation: { publishReady: false }, ...extra });
}

const experience = missingFieldSchema.parse({
  field: 'experienceLevel',
  prompt: 'ask: Which experience level?',
  updateKeys: ['experienceLevel'],
  type: 'enum',
  enumValues: ['EXPERT'],
});

describe('readMissingFields (§6.4)', () => {
  test('objects from top-level missingFields win, with "ask: " stripped', () => {
    const fields = readMissingFields(envelope({ missingFields: [experience], validation: { publishReady: false, missingFields: [] } }));
    assert.deepEqual(fields, [{ ...experience, prompt: 'Which experience level?' }]);
  });

  test('objects from validation.missingFields when the top level is absent or empty (seed form)', () => {
    const fields = readMissingFields(envelope({ missingFields: [], validation: { publishReady: false, missingFields: [experience] } }));
    assert.equal(fields[0]?.prompt, 'Which experience level?');
    assert.equal(fields.length, 1);
  });

  test('strings only: synthesized entries, enum values from capabilities', () => {
    const fields = readMissingFields(envelope({ validation: { publishReady: false, missingFields: ['experienceLevel', 'dataVolumeUnit'] } }), capabilities);
    assert.deepEqual(fields, [
      { field: 'experienceLevel', updateKeys: ['experienceLevel'], type: 'enum', enumValues: ['EXPERT', 'INTERMEDIATE'] },
      { field: 'dataVolumeUnit', updateKeys: ['dataVolumeUnit'] },
    ]);
  });

  test('names listed only as strings next to objects are added once; covered names are not duplicated', () => {
    const fields = readMissingFields(
      envelope({ missingFields: [experience], validation: { publishReady: false, missingFields: ['experienceLevel', 'headcount', 'headcount'] } }),
    );
    assert.deepEqual(
      fields.map((field) => field.field),
      ['experienceLevel', 'headcount'],
    );
  });

  test('nothing missing reads as an empty list and never mutates the envelope', () => {
    const draft = envelope({ missingFields: [experience], validation: { publishReady: true, missingFields: [] } });
    readMissingFields(draft);
    assert.equal(draft.missingFields?.[0]?.prompt, 'ask: Which experience level?');
    assert.deepEqual(readMissingFields(envelope({ validation: { publishReady: true } })), []);
  });
});

function me(account: Record<string, unknown>, scopes: string[], email: string | null): Me {
  return meSchema.parse({ actor: { email }, token: { scopes }, account });
}

describe('isClaimed (§3.6)', () => {
  test('account.claimed decides when present', () => {
    assert.equal(isClaimed(me({ claimed: false }, ['proposals:write'], 'a@b.c')), false);
    assert.equal(isClaimed(me({ claimed: true }, ['jobs:read'], null)), true);
  });

  test('else any post-claim scope', () => {
    assert.equal(isClaimed(me({}, ['jobs:read', 'team:write'], null)), true);
  });

  test('else a non-null e-mail', () => {
    assert.equal(isClaimed(me({}, ['jobs:read', 'jobs:write'], null)), false);
    assert.equal(isClaimed(me({}, ['jobs:read'], 'owner@example.com')), true);
  });
});
