/**
 * The page for people (GET /), driven in a real headless Chromium against the real API, a real Temporal
 * dev server, a worker and the OpenTrain sandbox: a person signs in with the API key, picks a lifecycle
 * that waits for them, answers its prompts (one wrong value first), confirms uncertain values, approves
 * publishing, fixes a moderation block and starts a claim — all through the page.
 * Screenshots for the README go to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { API_KEY, eventually, http, startApiStack, type ApiStack } from '../api/helpers';
import { answerAllPrompts } from '../helpers/lifecycle';
import { launchBrowser, newPage, screenshot, UI_TIMEOUT_MS } from './helpers';

const VAGUE_JOB = 'We need people to draw bounding boxes around cars in street photos for a self-driving project.';
const BLOCKED_JOB =
  'Image categorisation: we need 5 annotators to label 10,000 images of street scenes. Pay is $0.05 per label. ' +
  'Intermediate experience. English speakers. Also flag every counterfeit handbag you see.';

/**
 * What the page asks of the person right now, or null while it is busy or in between. Runs in the page:
 * no inner named functions (tsx would wrap them in a helper the page does not have), and not a string
 * (the page's Content-Security-Policy forbids eval).
 */
function nextStepProbe(): string | null {
  if (document.querySelector('form[aria-busy="true"]')) return null;
  const stage = document.getElementById('summary')?.dataset.stage;
  if (stage === 'LIVE') return 'live';
  const forms: Record<string, string> = { AWAITING_REVIEW: 'review', AWAITING_PUBLISH_APPROVAL: 'approve', MODERATION_BLOCKED: 'moderation', AWAITING_ANSWERS: 'answers' };
  const step = stage ? forms[stage] : undefined;
  const form = step ? document.getElementById(step + '-form') : null;
  return step && form && form.closest('[hidden]') === null ? step : null;
}

describe('the page for people, in Chromium', { timeout: 600_000 }, () => {
  let api: ApiStack;
  let browser: Browser;

  before(async () => {
    // Settled, not Promise.all: when one fails, `after` must still close the other.
    const [apiStarted, browserStarted] = await Promise.allSettled([startApiStack(), launchBrowser()]);
    if (apiStarted.status === 'fulfilled') api = apiStarted.value;
    if (browserStarted.status === 'fulfilled') browser = browserStarted.value;
    for (const started of [apiStarted, browserStarted]) if (started.status === 'rejected') throw started.reason;
  });

  after(async () => {
    await browser?.close();
    await api?.close();
  });

  async function startLifecycle(body: Record<string, unknown>): Promise<string> {
    const answer = await http(api.url, 'POST', '/v1/lifecycles', { body });
    assert.equal(answer.status, 201, answer.text);
    return answer.body.workflowId as string;
  }

  const status = async (id: string) => (await http(api.url, 'GET', `/v1/lifecycles/${id}`)).body;

  /** Opens the page and signs in (the key form comes first on a fresh tab). */
  async function signIn(page: Page): Promise<void> {
    await page.goto(`${api.url}/`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('#app-view').waitFor({ state: 'visible' });
  }

  /** Waits for the lifecycle in the "waiting for someone" list (visibility can lag a moment) and selects it. */
  async function pick(page: Page, id: string): Promise<void> {
    const button = page.locator(`#waiting-list button[data-id="${id}"]`);
    await button.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    await button.click();
    await page.locator('#summary[data-stage]').waitFor();
  }

  /** Waits until the page shows one of the things a person acts on, and says which. */
  async function nextStep(page: Page): Promise<'answers' | 'review' | 'approve' | 'moderation' | 'live'> {
    const handle = await page.waitForFunction(nextStepProbe, undefined, { timeout: UI_TIMEOUT_MS, polling: 200 });
    return (await handle.jsonValue()) as never;
  }

  /** Fills every field of the answers form as a person would: the first choice, the example, a plausible value. */
  async function fillAnswers(page: Page): Promise<string[]> {
    const controls = page.locator('#answers-form [data-kind]');
    const names: string[] = [];
    for (let i = 0; i < (await controls.count()); i += 1) {
      const input = controls.nth(i);
      const [name, kind, placeholder] = await Promise.all([input.getAttribute('name'), input.getAttribute('data-kind'), input.getAttribute('placeholder')]);
      const example = placeholder?.replace(/^e\.g\. /, '') ?? '';
      names.push(name as string);
      if (kind === 'enum') {
        const options = await input.locator('option').evaluateAll((all) => all.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
        await input.selectOption(name === 'paymentType' ? 'PAY_PER_LABEL' : (options[0] as string));
      } else if (kind === 'integer' || kind === 'number') {
        await input.fill(name === 'headcount' ? '3' : example || '1');
      } else if (kind === 'list') {
        await input.fill('English, German');
      } else {
        await input.fill(example || `Answer for ${name}`);
      }
    }
    return names;
  }

  /** Waits until the page shows the lifecycle in another stage (after a signal, which it acts on a moment later). */
  async function leaves(page: Page, stage: string): Promise<void> {
    await page.locator(`#summary[data-stage]:not([data-stage="${stage}"])`).waitFor({ timeout: UI_TIMEOUT_MS });
  }

  async function refreshesSoFar(page: Page): Promise<number> {
    return Number(await page.evaluate(() => document.body.dataset.refreshes ?? '0'));
  }

  async function waitForRefreshes(page: Page, count: number): Promise<void> {
    const from = await refreshesSoFar(page);
    await page.waitForFunction((target) => Number(document.body.dataset.refreshes ?? '0') >= target, from + count, { timeout: UI_TIMEOUT_MS });
  }

  it('is served with a strict Content-Security-Policy, puts no server text in as HTML, and stays out of the OpenAPI document', async () => {
    const page = await fetch(`${api.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await page.text(), /<script type="module" src="\/page\/app.js">/);

    const script = await fetch(`${api.url}/page/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    const source = await script.text();
    assert.equal(source, readFileSync(join(__dirname, '../../src/api/page/app.js'), 'utf8'));
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) {
      assert.ok(!code.includes(sink), `the page script uses ${sink}`);
    }
    for (const path of ['/page/index.ts', '/page/..%2Fpage.ts', '/page/%2e%2e%2findex.ts', '/page/app.js.map']) {
      const answer = await http(api.url, 'GET', path, { auth: false });
      assert.equal(answer.status, 404, path);
      assert.equal(answer.body.error.code, 'ROUTE_NOT_FOUND');
    }
    const document = (await http(api.url, 'GET', '/openapi.json')).body;
    assert.ok(!('/' in document.paths) && !Object.keys(document.paths).some((p: string) => p.startsWith('/page')));
  });

  it('a person signs in, answers the prompts of a vague job (one wrong value first), confirms, and sees the claim code', async () => {
    const id = await startLifecycle({ draft: { rawJobDescription: VAGUE_JOB }, claim: { email: 'owner@example.com' } });
    const page = await newPage(browser);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // A wrong key is refused on the key form; the right one is kept in sessionStorage, never in the URL.
    await page.goto(`${api.url}/`);
    await page.getByLabel('API key').fill('not-the-key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('#api-key-error', { hasText: 'This key was refused' }).waitFor();
    assert.equal(await page.getByLabel('API key').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByLabel('API key').press('Enter'); // the keyboard works as well as the mouse
    await page.locator('#app-view').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('opentrain.apiKey')), API_KEY);
    assert.ok(!page.url().includes(API_KEY));

    await pick(page, id);
    assert.ok(page.url().endsWith(`#lc=${id}`), 'the selection is in the URL, so a reload keeps it');
    await page.locator('#answers-form').waitFor();

    // The form is built from missingFields: enum -> select, integer -> number input, with label, prompt, hint, example.
    const first = await status(id);
    assert.equal(first.stage, 'AWAITING_ANSWERS');
    for (const field of first.missingFields) {
      const control = page.getByLabel(field.label, { exact: true });
      const tag = await control.evaluate((element) => element.tagName.toLowerCase());
      if (field.enumValues) {
        assert.equal(tag, 'select', field.field);
        const options = await control.locator('option').allTextContents();
        assert.deepEqual(options.slice(1), field.enumValues);
      } else if (field.type === 'integer' || field.type === 'number') {
        assert.equal(await control.getAttribute('type'), 'number', field.field);
      }
      if (field.prompt) await page.getByText(field.prompt, { exact: true }).waitFor();
      if (field.example && !field.enumValues) assert.equal(await control.getAttribute('placeholder'), `e.g. ${field.example}`);
    }

    // What the person types survives the page's own refreshes.
    const headcount = page.getByLabel('Headcount', { exact: true });
    await headcount.fill('0');
    await waitForRefreshes(page, 2);
    assert.equal(await headcount.inputValue(), '0');
    assert.ok(await headcount.evaluate((element) => element === document.activeElement), 'the focus stayed in the field');

    // A wrong value: the API's per-field message shows beside the field.
    await page.getByRole('button', { name: 'Send answers' }).click();
    const error = page.locator('#answer-headcount-error');
    await error.filter({ hasText: /./ }).waitFor();
    assert.match(await error.innerText(), />=\s*1|at least 1|too small/i);
    assert.equal(await headcount.getAttribute('aria-invalid'), 'true');
    assert.equal(await headcount.evaluate((element) => element === document.activeElement), true, 'the focus goes to the field to fix');
    assert.equal((await status(id)).missingFields.length, first.missingFields.length, 'nothing was applied');
    await screenshot(page, 'page-answers.png');

    // Answer every prompt until the job is published; confirm the uncertain values with one correction.
    const answered: string[] = [];
    let reviewed = false;
    for (let round = 0; round < 12; round += 1) {
      const step = await nextStep(page);
      if (step === 'live') break;
      if (step === 'answers') {
        answered.push(...(await fillAnswers(page)));
        await page.getByRole('button', { name: 'Send answers' }).click();
        await page.locator('#answers-notice', { hasText: 'Saved' }).or(page.locator('#answers-panel[hidden]')).first().waitFor();
      } else if (step === 'review') {
        const title = page.getByLabel('Correction for jobTitle (optional)');
        await title.fill('Bounding boxes around cars');
        await page.getByRole('button', { name: 'Confirm these values' }).click();
        reviewed = true;
        await page.locator('#review-notice', { hasText: 'Confirmed' }).waitFor({ state: 'attached' }); // its panel may be gone already
        await leaves(page, 'AWAITING_REVIEW');
      } else {
        assert.fail(`unexpected step ${step}`);
      }
    }
    await page.locator('#summary[data-stage="LIVE"]').waitFor();
    assert.ok(answered.includes('headcount') && answered.includes('paymentType') && answered.includes('pricePerLabel'), answered.join(','));
    const live = await status(id);
    assert.equal(live.stage, 'LIVE');
    assert.ok(live.jobUrl);
    // The job title was only guessed from the first sentence: the page asked to confirm it, with the correction applied.
    assert.ok(reviewed, 'the page asked to confirm the low-confidence fields');

    // The claim panel: the user code, the verification link, expiry and attempt, as the status has them.
    const claim = live.claim;
    assert.equal(claim.state, 'PENDING_HUMAN');
    assert.equal(await page.locator('#claim-user-code').innerText(), claim.userCode);
    const link = page.locator('#claim-panel a', { hasText: claim.verificationUri });
    assert.equal(await link.getAttribute('href'), claim.verificationUri);
    await page.locator('#claim-panel dd', { hasText: /^1$/ }).waitFor();
    await page.locator('#claim-expiry-relative', { hasText: /in \d+ minutes/ }).waitFor();
    await page.locator('#claim-user-code').scrollIntoViewIfNeeded();
    await screenshot(page, 'page-claim.png');

    // The owner types the code on the sandbox's page; this page notices by itself.
    await api.stack.sandbox('POST', `/__sandbox/claims/${claim.userCode}/approve`);
    await page.locator('#claim-panel [data-claim-state="CLAIMED"]').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });

  it('approve-publish, moderation reasons with an edit box, and starting a claim, through the page', async () => {
    const id = await startLifecycle({ draft: { rawJobDescription: BLOCKED_JOB }, policy: { review: 'accept', publish: 'manual' } });
    await api.stack.run(() => answerAllPrompts(api.env.client.workflow.getHandle(id)));

    const page = await newPage(browser, 1280, 1000);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await signIn(page);
    await pick(page, id);
    assert.equal(await nextStep(page), 'approve');
    await page.getByRole('button', { name: 'Approve and publish' }).click();
    await page.locator('#approve-notice', { hasText: 'Approved' }).waitFor({ state: 'attached' }); // its panel may be gone already
    await leaves(page, 'AWAITING_PUBLISH_APPROVAL');

    assert.equal(await nextStep(page), 'moderation');
    const reasons = await page.locator('#moderation-panel ul li').allInnerTexts();
    assert.ok(reasons.some((reason) => /counterfeit/.test(reason)), reasons.join(' | '));
    // Sending without a description is caught on the page, beside the field.
    await page.getByRole('button', { name: 'Send the edits' }).click();
    await page.locator('#moderation-jobDescription-error', { hasText: 'Write the new description' }).waitFor();
    await page.getByLabel('New job description').fill('We need 5 annotators to label 10,000 images of street scenes by category.');
    await page.getByRole('button', { name: 'Send the edits' }).click();
    await page.locator('#moderation-notice', { hasText: 'Sent' }).waitFor({ state: 'attached' }); // its panel may be gone already
    await leaves(page, 'MODERATION_BLOCKED');
    assert.equal(await nextStep(page), 'live');

    // No claim e-mail was given at start: the page starts one (a bad address first).
    await page.locator('#claim-panel [data-claim-state="AWAITING_EMAIL"]').waitFor();
    const email = page.getByLabel('Owner e-mail', { exact: true });
    await email.fill('not an address');
    await page.getByRole('button', { name: 'Start the claim' }).click();
    await page.locator('#claim-email-error', { hasText: 'e-mail address' }).waitFor();
    // (A new address: the first test's owner already has an account, which OpenTrain refuses to claim again.)
    await email.fill('second-owner@example.com');
    await email.press('Enter');
    await page.locator('#claim-user-code').waitFor();
    const claimed = await eventually('the claim code in the status', async () => {
      const s = await status(id);
      return s.claim.state === 'PENDING_HUMAN' ? s.claim : undefined;
    });
    assert.equal(await page.locator('#claim-user-code').innerText(), claimed.userCode);
    assert.equal(claimed.email, 'second-owner@example.com');
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });

  it('forgets the key on request and asks again when the key is refused', async () => {
    const page = await newPage(browser);
    await signIn(page);
    await page.getByRole('button', { name: 'Forget the API key' }).click();
    await page.locator('#key-view').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('opentrain.apiKey')), null);

    // A key that stops working (rotated) sends the person back to the key form with a message.
    await page.evaluate(() => sessionStorage.setItem('opentrain.apiKey', 'rotated-away'));
    await page.reload();
    await page.locator('#api-key-error', { hasText: 'refused' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('opentrain.apiKey')), null);
    await page.context().close();
  });
});
