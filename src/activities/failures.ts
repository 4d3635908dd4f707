/**
 * Turns client errors into Temporal ApplicationFailures, in one place: the failure type is the client's
 * error class name, `nonRetryable` follows the client's retryability, and `Retry-After` becomes the next
 * retry delay. Messages and details are already redacted by the client.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { APIError, OAuthError, OpenTrainError, RequestValidationError, ResponseValidationError } from '../opentrain';
import { redactSecrets } from '../opentrain/redact';

/** Failure types the workflow branches on. */
export const ActivityFailureTypes = {
  /** A claim poll that is not finished yet; retried by the activity's retry policy, never a real failure. */
  authorizationPending: 'AuthorizationPending',
  /** A 401 with the pre-claim token while the claim is open: the claim branch will store the new token. */
  tokenRevokedPendingClaim: 'TokenRevokedPendingClaim',
  credentialNotFound: 'CredentialNotFound',
} as const;

/** Facts about the error the workflow may need, without anything secret. */
function safeDetails(error: OpenTrainError): Record<string, unknown> {
  if (error instanceof APIError) {
    return { status: error.status, code: error.code, requestId: error.requestId ?? null, details: error.details };
  }
  if (error instanceof OAuthError) {
    return { status: error.status, error: error.error, errorDescription: error.errorDescription ?? null };
  }
  if (error instanceof ResponseValidationError || error instanceof RequestValidationError) {
    return { issues: error.issues };
  }
  return {};
}

export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof OpenTrainError) {
    return ApplicationFailure.create({
      type: error.type,
      message: error.message,
      nonRetryable: !error.retryable,
      nextRetryDelay: error.retryAfterMs,
      details: [safeDetails(error)],
    });
  }
  // Anything else is a bug or an environment problem: let Temporal retry it, with the message redacted.
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ type: 'UnexpectedError', message: redactSecrets(message) });
}

export function pollAgainLater(message: string, delayMs: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: ActivityFailureTypes.authorizationPending,
    message,
    nextRetryDelay: delayMs,
    // Expected outcome, not an error: logged at debug level and kept out of failure metrics.
    category: ApplicationFailureCategory.BENIGN,
  });
}
