// Every example payload of opentrain-api.md parses with the schema the client uses for it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import {
  apiErrorBodySchema,
  authorizationServerMetadataSchema,
  capabilitiesSchema,
  claimStartSchema,
  claimTokenGrantSchema,
  draftEnvelopeSchema,
  draftPatchSchema,
  identityRegistrationSchema,
  isClaimed,
  jobDraftCreateBodySchema,
  meSchema,
  myJobsPageSchema,
  oauthErrorBodySchema,
  proposalsPageSchema,
  protectedResourceMetadataSchema,
  publicJobSchema,
  publishResultSchema,
  readMissingFields,
  updatesPageSchema,
} from '../../src/opentrain';

const DIR = join(__dirname, '..', 'fixtures', 'opentrain');

const SCHEMA_BY_FIXTURE: Record<string, z.ZodType> = {
  '3.1-register-identity-response': identityRegistrationSchema,
  '3.2-claim-start-response': claimStartSchema,
  '3.2-claim-email-already-registered-error': oauthErrorBodySchema,
  '3.3-oauth-token-response': claimTokenGrantSchema,
  '3.5-authorization-server-metadata': authorizationServerMetadataSchema,
  '3.5-protected-resource-metadata': protectedResourceMetadataSchema,
  '3.6-auth-me-response': meSchema,
  '3.7-capabilities-response': capabilitiesSchema,
  '3.8-create-body-raw-text': jobDraftCreateBodySchema,
  '3.8-create-body-source-text': jobDraftCreateBodySchema,
  '3.8-create-body-canonical--job-placeholder-filled': jobDraftCreateBodySchema,
  '3.8-create-body-json-ld--payload-placeholder-filled': jobDraftCreateBodySchema,
  '3.8-create-body-xml--payload-placeholder-filled': jobDraftCreateBodySchema,
  '3.8-create-draft-response': draftEnvelopeSchema,
  '3.9-update-draft-body': draftPatchSchema,
  '3.9-update-draft-response': draftEnvelopeSchema,
  '3.11-publish-response': publishResultSchema,
  '3.13-jobs-mine-response': myJobsPageSchema,
  '3.14-public-job': publicJobSchema,
  '3.14-unlisted-job-404': publicJobSchema.pick({ id: true, status: true }),
  '3.15-proposals-page': proposalsPageSchema,
  '3.16-updates-page': updatesPageSchema,
  '4.1-error-envelope': apiErrorBodySchema,
  '4.1-claim-required-error': apiErrorBodySchema,
  '7.1-poll-no-active-claim-attempt-error': oauthErrorBodySchema,
  '7.1-poll-claim-attempt-expired-error': oauthErrorBodySchema,
};

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));
}

describe('opentrain-api.md example payloads', () => {
  test('every fixture file has a schema, and every schema entry a file', () => {
    const files = readdirSync(DIR)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.replace(/\.json$/, ''))
      .sort();
    assert.deepEqual(files, Object.keys(SCHEMA_BY_FIXTURE).sort());
  });

  for (const [name, schema] of Object.entries(SCHEMA_BY_FIXTURE)) {
    test(`${name} parses`, () => {
      const result = schema.safeParse(fixture(name));
      assert.equal(result.success, true, result.success ? '' : JSON.stringify(result.error.issues));
    });
  }

  test('the create-draft example keeps the members the product uses, and unknown extras', () => {
    const envelope = draftEnvelopeSchema.parse(fixture('3.8-create-draft-response'));
    assert.equal(envelope.jobId, 'job_123');
    assert.equal(envelope.validation.publishReady, false);
    assert.deepEqual(envelope.validation.missingFields, ['experienceLevel']);
    assert.deepEqual(envelope.missingFields?.[0]?.updateKeys, ['experienceLevel']);
    assert.deepEqual(envelope.parser, {});
  });

  test('the create-draft example reads as one missing field with the "ask: " prefix stripped', () => {
    const fields = readMissingFields(draftEnvelopeSchema.parse(fixture('3.8-create-draft-response')));
    assert.equal(fields.length, 1);
    assert.equal(fields[0]?.field, 'experienceLevel');
    assert.equal(fields[0]?.prompt, 'Which experience level do you need? (EXPERT, ENTRY_LEVEL, INTERMEDIATE, ANY_EXPERIENCE_LEVEL)');
  });

  test('the /auth/me example is a claimed account (it has an e-mail)', () => {
    assert.equal(isClaimed(meSchema.parse(fixture('3.6-auth-me-response'))), true);
  });

  test('a fixture with a changed member type fails with a path', () => {
    const broken = fixture('3.9-update-draft-response') as { validation: Record<string, unknown> };
    broken.validation.publishReady = 'yes';
    const result = draftEnvelopeSchema.safeParse(broken);
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0]?.path, ['validation', 'publishReady']);
  });
});
