/**
 * Replays recorded histories (test/fixtures/histories, one per path through jobLifecycle) against the
 * current workflow code. A change that would break running workflows fails here: use `patched()` for it.
 * Record again with `RECORD_HISTORIES=1 node scripts/run-tests.mjs test/workflows` after an intended,
 * patched change, and keep the old fixtures too.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { HISTORY_FIXTURES } from '../helpers/lifecycle';
import { workflowBundle } from '../helpers/temporal';

const fixtures = readdirSync(HISTORY_FIXTURES).filter((name) => name.endsWith('.json')).sort();

describe('replay of recorded jobLifecycle histories', () => {
  test('there is a recorded history for every path', () => {
    for (const path of ['happy-path-claimed', 'claim-expired', 'claim-slow-down', 'claim-crash-recovered', 'token-swap-401', 'moderation-blocked', 'publish-quota', 'cancelled', 'patch-rejected-recovered', 'review-manual-publish', 'validator-refusals']) {
      assert.ok(fixtures.includes(`${path}.json`), `missing fixture ${path}.json`);
    }
  });

  for (const name of fixtures) {
    test(`replays ${name} deterministically`, async () => {
      const history = JSON.parse(readFileSync(join(HISTORY_FIXTURES, name), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, name.replace(/\.json$/, ''));
    });
  }
});
