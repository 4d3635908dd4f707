// Asserts that a call rejects with a given OpenTrainError class and hands the error back for more checks.
import assert from 'node:assert/strict';
import { OpenTrainError } from '../../src/opentrain';

export async function expectError<E extends Error>(call: () => Promise<unknown>, Class: new (...args: never[]) => E): Promise<E> {
  const error = await call().then(
    () => assert.fail(`expected a rejection with ${Class.name}`),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof Class, `expected ${Class.name}, got ${String(error)}`);
  assert.ok(error instanceof OpenTrainError);
  return error;
}
