// Tiny workflows for the codec integration test (bundled into the workflow sandbox).
import { ApplicationFailure } from '@temporalio/workflow';

export interface Contact {
  email: string;
  text: string;
}

/** Echoes its input so the result payload carries the sensitive values too. */
export async function echoContact(contact: Contact): Promise<{ greeting: string; contact: Contact }> {
  return { greeting: `Hello ${contact.email}`, contact };
}

/** Fails with the sensitive values in the failure message. */
export async function failWithContact(contact: Contact): Promise<never> {
  throw ApplicationFailure.nonRetryable(`Cannot reach ${contact.email}: ${contact.text}`, 'ContactUnreachable');
}
