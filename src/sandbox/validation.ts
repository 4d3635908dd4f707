/**
 * Publish-readiness of a draft (§6.3, §6.4). Pure: used by the parser (to report what it could not
 * find), by the draft routes (every envelope) and by publish (the 400 details).
 */
import {
  ENUMS, MISSING_FIELD_CODE, MISSING_FIELD_SPECS, RATE_KEY_FOR, REQUIRED_FOR_PUBLISH, UPDATE_KEY_TYPES,
  type DraftFields, type PaymentType,
} from './contract-choices';

export interface MissingField {
  field: string;
  label: string;
  message: string;
  code: string;
  prompt: string;
  type: string;
  enumValues: string[] | null;
  updateKeys: string[];
  example: string;
  hint: string | null;
}

export interface ValidationIssue {
  code: string;
  field?: string;
  message: string;
}

export interface Validation {
  publishReady: boolean;
  issueCount: number;
  missingFieldCount: number;
  /** §6.4 CHOICE: field names only; the full objects live in the top-level missingFields. */
  missingFields: string[];
  issues: ValidationIssue[];
}

export function missingFieldEntry(field: string): MissingField {
  const spec = MISSING_FIELD_SPECS[field];
  if (!spec) throw new Error(`no missing-field wording for ${field}`);
  const type = UPDATE_KEY_TYPES[field as keyof typeof UPDATE_KEY_TYPES];
  const enumValues = field in ENUMS ? [...ENUMS[field as keyof typeof ENUMS]] : null;
  return {
    field,
    label: spec.label,
    message: `${spec.label} must be set before publishing.`,
    code: MISSING_FIELD_CODE,
    prompt: spec.prompt,
    type,
    enumValues,
    updateKeys: [field],
    example: spec.example,
    hint: spec.hint,
  };
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** The names of required fields that are absent, in REQUIRED_FOR_PUBLISH order. */
export function missingFieldNames(fields: DraftFields): string[] {
  const missing: string[] = [];
  for (const required of REQUIRED_FOR_PUBLISH) {
    if (required === 'rate') {
      // Without a pay type there is no "matching" rate key yet; paymentType alone is reported.
      if (!fields.paymentType) continue;
      const rateKey = RATE_KEY_FOR[fields.paymentType];
      const rate = fields[rateKey];
      if (typeof rate !== 'number' || !(rate > 0)) missing.push(rateKey);
    } else if (required === 'headcount') {
      if (typeof fields.headcount !== 'number' || fields.headcount < 1) missing.push('headcount');
    } else if (isBlank(fields[required])) {
      missing.push(required);
    }
  }
  return missing;
}

/** §6.4 CHOICE: non-blocking cross-field issues (a rate that does not belong to the pay type). */
export function crossFieldIssues(fields: DraftFields): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!fields.paymentType) return issues;
  for (const [type, key] of Object.entries(RATE_KEY_FOR) as [PaymentType, string][]) {
    if (type !== fields.paymentType && fields[key as keyof DraftFields] !== undefined) {
      issues.push({
        code: 'rate_does_not_match_payment_type',
        field: key,
        message: `${key} is set but paymentType is ${fields.paymentType}; only ${RATE_KEY_FOR[fields.paymentType]} is used.`,
      });
    }
  }
  return issues;
}

export function validateDraft(fields: DraftFields): { validation: Validation; missingFields: MissingField[] } {
  const names = missingFieldNames(fields);
  const issues = crossFieldIssues(fields);
  return {
    validation: {
      publishReady: names.length === 0,
      issueCount: issues.length,
      missingFieldCount: names.length,
      missingFields: names,
      issues,
    },
    missingFields: names.map(missingFieldEntry),
  };
}
