/**
 * The verification page a person opens from the claim email (§3.2 verification_uri):
 * GET /claim?token=ot_cat_... shows the email being claimed and a field for the 6-digit code;
 * POST /claim (form: token, code) checks it. Without a token the page asks for the code and the e-mail.
 * Self-contained HTML, no external assets or scripts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxContext } from '../context';
import { approveAttempt, attemptByUserCode, attemptStatus, verifyCode } from '../claims';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · OpenTrain sandbox</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f5f6f8; color: #1d2330; margin: 0; }
  main { max-width: 28rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  h1 { font-size: 1.4rem; margin-top: 0; }
  .ok { color: #136c2e; } .bad { color: #a4262c; }
  label { display: block; margin: 1rem 0 .4rem; font-weight: 600; }
  input[name=code] { font-size: 1.6rem; letter-spacing: .4rem; width: 10rem; padding: .4rem .6rem; }
  button { margin-top: 1rem; font-size: 1rem; padding: .6rem 1.2rem; border: 0; border-radius: 8px; background: #2451d6; color: #fff; cursor: pointer; }
  .note { color: #5b6475; font-size: .9rem; }
</style>
</head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
<p class="note">OpenTrain sandbox — a local simulator; no real account is created.</p>
</main></body>
</html>`;
  // The page URL carries a claim-attempt token: never cache it, never leak it as a referrer.
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

function form(token: string, email: string, agentName: string | null, error?: string): string {
  return `<p>An AI agent${agentName ? ` (<strong>${escapeHtml(agentName)}</strong>)` : ''} asked to hand its OpenTrain account to
<strong>${escapeHtml(email)}</strong>.</p>
<p>Enter the 6-digit code the agent showed you to take ownership.</p>
${error ? `<p class="bad" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/claim">
  <input type="hidden" name="token" value="${escapeHtml(token)}">
  <label for="code">Verification code</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
  <div><button type="submit">Claim account</button></div>
</form>`;
}

/**
 * The page without the e-mailed link (RFC 8628's plain `verification_uri`): the person types the code the
 * agent showed them and signs in with the e-mail the claim is for. The orchestrator shows this address,
 * since the link itself carries a one-time token that must not travel beyond the e-mail.
 */
function codeForm(error?: string, email = ''): string {
  return `<p>Enter the 6-digit code the agent showed you, and the e-mail address the claim was sent to.</p>
${error ? `<p class="bad" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/claim">
  <label for="code">Verification code</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
  <label for="email">Your e-mail</label>
  <input id="email" name="email" type="email" autocomplete="email" value="${escapeHtml(email)}" required>
  <div><button type="submit">Claim account</button></div>
</form>`;
}

const UNUSABLE: Record<string, [number, string, string]> = {
  approved: [200, 'Account already claimed', 'This account has already been claimed. You can close this page.'],
  superseded: [410, 'Link replaced', 'A newer verification link was sent. Please use the most recent email.'],
  locked: [410, 'Link locked', 'Too many wrong codes were entered. Ask the agent to start the claim again.'],
  expired: [410, 'Link expired', 'This verification link has expired. Ask the agent to start the claim again.'],
  window_expired: [410, 'Claim window closed', 'The time to claim this account has run out.'],
};

export function registerClaimPageRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get('/claim', async (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '');
    if (!token) return page(reply, 200, 'Claim an OpenTrain account', codeForm());
    const attempt = ctx.store.attemptForToken(token);
    if (!attempt) return page(reply, 404, 'Link not valid', '<p class="bad">This verification link is not valid.</p>');
    const status = attemptStatus(ctx, attempt);
    if (status !== 'pending') {
      const [code, title, text] = UNUSABLE[status]!;
      return page(reply, code, title, `<p class="${status === 'approved' ? 'ok' : 'bad'}">${escapeHtml(text)}</p>`);
    }
    const account = ctx.store.account(attempt.registrationId)!;
    return page(reply, 200, 'Claim your OpenTrain account', form(token, attempt.email, account.agentName));
  });

  app.post('/claim', { config: { body: 'form' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token : '';
    const code = typeof body.code === 'string' ? body.code : '';
    if (!token) {
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      const byCode = /^\d{6}$/.test(code.trim()) ? attemptByUserCode(ctx, code.trim()) : undefined;
      if (!byCode || attemptStatus(ctx, byCode) !== 'pending') return page(reply, 400, 'Claim an OpenTrain account', codeForm('That code is not valid or has expired.', email));
      request.sandboxMeta.claimAttemptId = byCode.id;
      const outcome = approveAttempt(ctx, byCode, email);
      if (!outcome.ok) return page(reply, 400, 'Claim an OpenTrain account', codeForm(outcome.message, email));
      return page(reply, 200, 'Account claimed', `<p class="ok">Done. <strong>${escapeHtml(byCode.email)}</strong> now owns this OpenTrain account. The agent will pick up its new access on its next check.</p>`);
    }
    const attempt = ctx.store.attemptForToken(token);
    if (!attempt) return page(reply, 404, 'Link not valid', '<p class="bad">This verification link is not valid.</p>');
    request.sandboxMeta.claimAttemptId = attempt.id;
    const outcome = verifyCode(ctx, attempt, code);
    if (outcome.ok) {
      return page(reply, 200, 'Account claimed', `<p class="ok">Done. <strong>${escapeHtml(attempt.email)}</strong> now owns this OpenTrain account. The agent will pick up its new access on its next check.</p>`);
    }
    if (outcome.reason === 'wrong_code') {
      const account = ctx.store.account(attempt.registrationId)!;
      if (attempt.state === 'locked') return page(reply, 400, 'Link locked', `<p class="bad">${escapeHtml(outcome.message)}</p>`);
      return page(reply, 400, 'Claim your OpenTrain account', form(token, attempt.email, account.agentName, outcome.message));
    }
    const [status, title, text] = UNUSABLE[outcome.reason] ?? [400, 'Could not claim', outcome.message];
    return page(reply, status, title, `<p class="${outcome.reason === 'approved' ? 'ok' : 'bad'}">${escapeHtml(text)}</p>`);
  });
}
