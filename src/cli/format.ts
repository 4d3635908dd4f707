/** Human-readable text for what the API returns. Plain lines, no colours: it ends up in logs and pipes too. */
import type { AnswersResult, ClaimStarted, LifecycleStatus, MissingFieldView } from '../workflows/definitions';
import type { FieldError } from '../workflows/definitions';
import type { ApiClientError, ListItem } from './api-client';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export function describeField(field: MissingFieldView): string {
  const parts = [field.updateKeys.join(', ') || field.field];
  if (field.label && field.label !== field.field) parts.push(`(${field.label})`);
  const question = field.prompt ?? field.message;
  if (question) parts.push(`: ${question}`);
  if (field.enumValues?.length) parts.push(` [one of ${field.enumValues.join(', ')}]`);
  else if (field.type) parts.push(` [${field.type}]`);
  if (field.example) parts.push(` e.g. ${field.example}`);
  return parts.join(' ').replace(/ :/g, ':');
}

export function formatStatus(id: string, status: LifecycleStatus): string {
  const lines = [`Lifecycle ${id}`, `  Stage:          ${status.stage}${status.waitingFor ? ` (waiting for ${status.waitingFor})` : ''}`];
  if (status.jobId) lines.push(`  Job:            ${status.jobId}${status.jobStatus ? ` (${status.jobStatus})` : ''}`);
  if (status.jobUrl) lines.push(`  Job page:       ${status.jobUrl}`);
  if (status.draftUrl) lines.push(`  Draft:          ${status.draftUrl}`);
  if (status.reviewUrl) lines.push(`  Review:         ${status.reviewUrl}`);
  lines.push(`  Publish ready:  ${yesNo(status.publishReady)}`);
  lines.push(...formatValidation(status));
  if (status.warnings.length > 0) lines.push(`  Warnings:`, ...status.warnings.map((w) => `    - ${w}`));
  lines.push(`  Claim:          ${formatClaim(status.claim)}`);
  if (status.lastError) {
    lines.push(`  Last error:     ${status.lastError.code}: ${status.lastError.message}`);
    for (const field of status.lastError.fields ?? []) lines.push(`    - ${field.field}: ${field.message}`);
    for (const reason of status.lastError.reasons ?? []) lines.push(`    - ${reason}`);
  }
  return lines.join('\n');
}

/** Missing and low-confidence fields: what `answer` and `confirm` deal with. */
export function formatValidation(validation: Pick<AnswersResult, 'missingFields' | 'lowConfidenceFields'>): string[] {
  const lines: string[] = [];
  if (validation.missingFields.length === 0) lines.push('  Missing fields: none');
  else lines.push(`  Missing fields (${validation.missingFields.length}):`, ...validation.missingFields.map((f) => `    - ${describeField(f)}`));
  if (validation.lowConfidenceFields.length > 0) {
    lines.push(`  Low-confidence fields (${validation.lowConfidenceFields.length}), confirm or correct them:`);
    for (const f of validation.lowConfidenceFields) lines.push(`    - ${f.field} = ${JSON.stringify(f.value)}${f.reason ? ` (${f.reason})` : ''}`);
  }
  return lines;
}

export function formatAnswersResult(result: AnswersResult): string {
  return [`Answers applied. Stage: ${result.stage}. Publish ready: ${yesNo(result.publishReady)}.`, ...formatValidation(result)].join('\n');
}

function formatClaim(claim: LifecycleStatus['claim']): string {
  switch (claim.state) {
    case 'PENDING_HUMAN':
      return `PENDING_HUMAN: enter code ${claim.userCode} at ${claim.verificationUri} (attempt ${claim.attempt}, expires ${claim.expiresAt})`;
    case 'AWAITING_EMAIL':
      return 'AWAITING_EMAIL: start it with `claim <id> --email <owner e-mail>`';
    default:
      return claim.state;
  }
}

export function formatClaimStarted(started: ClaimStarted): string {
  return [`Claim started (attempt ${started.attempt}).`, `  Enter code ${started.userCode} at ${started.verificationUri}`, `  The code expires at ${started.expiresAt}.`].join('\n');
}

export function formatList(items: ListItem[]): string {
  if (items.length === 0) return 'No lifecycles.';
  const rows = [['WORKFLOW ID', 'STATUS', 'STAGE', 'CLAIM', 'JOB', 'STARTED'], ...items.map((i) => [i.workflowId, i.status, i.stage ?? '-', i.claimState ?? '-', i.jobId ?? '-', i.startTime ?? '-'])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/** An API error as the person needs it: what went wrong, then each field and the rule it broke. */
export function formatApiError(error: ApiClientError): string {
  const head = error.status > 0 ? `Error (${error.status} ${error.code}): ${error.message}` : `Error: ${error.message}`;
  const fields = error.fields.map((f: FieldError) => `  - ${f.field}: ${f.message}`);
  return [head, ...fields].join('\n');
}
