/**
 * Loaded by path (DataConverter.failureConverterPath) on the client and bundled into the workflow
 * sandbox on the worker, so it must stay deterministic: no Node built-ins here.
 *
 * By default failure messages and stack traces are plain text in history. With
 * encodeCommonAttributes they move into an encoded payload (which the codec encrypts) and the
 * visible message becomes "Encoded failure" — an error text can carry user data.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
