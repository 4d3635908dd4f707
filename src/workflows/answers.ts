/**
 * Checks answers before they are accepted (the `submitAnswers` validator, the API and the CLI use it):
 * unknown keys, wrong types and values outside the enum are refused with one message per field.
 * Pure and synchronous, as update validators must be, and free of zod (see ../opentrain/draft-fields.ts).
 */
import { DRAFT_FIELD_KINDS, draftFieldProblem } from '../opentrain/draft-fields';
import type { FieldError, MissingFieldView } from './definitions';

export interface AnswerContext {
  /** Keys OpenTrain accepts in a draft PATCH (capabilities `draft.updateKeys`), when known. */
  updateKeys: string[] | null;
  /** Canonical enum values by key (capabilities `draft.enums`), when known. */
  enums: Record<string, string[]>;
  /** The draft's current missing fields, which may name types and enum values of their own. */
  missingFields: MissingFieldView[];
}

const MAX_ANSWER_KEYS = 50;
/** OpenTrain's own limit for a job text; no single answer can usefully be longer. */
const MAX_TEXT_LENGTH = 60_000;
const MAX_LIST_ITEMS = 200;
/** Everything one update writes into history, well under Temporal's payload limits. */
const MAX_TOTAL_BYTES = 128 * 1024;

function sizeError(value: unknown): string | null {
  if (typeof value === 'string' && value.length > MAX_TEXT_LENGTH) return `must be at most ${MAX_TEXT_LENGTH} characters`;
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ITEMS) return `must have at most ${MAX_LIST_ITEMS} items`;
    if (value.some((item) => typeof item === 'string' && item.length > 1_000)) return 'items must be at most 1000 characters';
  }
  return null;
}

function typeError(type: string | null, value: unknown): string | null {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'integer':
      return Number.isInteger(value) ? null : 'must be a whole number';
    case 'string':
    case 'enum':
      return typeof value === 'string' && value.trim() !== '' ? null : 'must be a non-empty string';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : 'must be a list of strings';
    default:
      return null;
  }
}

export function validateAnswers(values: unknown, context: AnswerContext): FieldError[] {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return [{ field: 'values', message: 'must be an object of draft keys to values' }];
  }
  const entries = Object.entries(values);
  if (entries.length === 0) return [{ field: 'values', message: 'must contain at least one answer' }];
  if (entries.length > MAX_ANSWER_KEYS) return [{ field: 'values', message: `must contain at most ${MAX_ANSWER_KEYS} keys` }];
  if (JSON.stringify(values).length > MAX_TOTAL_BYTES) return [{ field: 'values', message: `must be at most ${MAX_TOTAL_BYTES / 1024} KB in all` }];

  const errors: FieldError[] = [];
  for (const [key, value] of entries) {
    const allowed = context.updateKeys ? context.updateKeys.includes(key) : key in DRAFT_FIELD_KINDS;
    if (!allowed) {
      errors.push({ field: key, message: 'is not a draft field OpenTrain accepts' });
      continue;
    }
    const tooBig = sizeError(value);
    if (tooBig) {
      errors.push({ field: key, message: tooBig });
      continue;
    }
    const missing = context.missingFields.find((f) => f.updateKeys.includes(key));
    const enumValues = missing?.enumValues ?? context.enums[key] ?? null;
    if (enumValues && enumValues.length > 0) {
      if (typeof value !== 'string' || !enumValues.includes(value)) {
        errors.push({ field: key, message: `must be one of ${enumValues.join(', ')}` });
      }
      continue;
    }
    const kind = DRAFT_FIELD_KINDS[key];
    const problem = kind === undefined ? null : draftFieldProblem(kind, value);
    if (problem) {
      errors.push({ field: key, message: problem });
      continue;
    }
    const wrongType = missing && missing.updateKeys.length === 1 ? typeError(missing.type, value) : null;
    if (wrongType) errors.push({ field: key, message: wrongType });
  }
  return errors;
}
