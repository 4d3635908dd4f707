/**
 * The draft fields of opentrain-api.md §6.2 as plain data: key -> kind, and the enum values. Free of zod on
 * purpose: workflow code checks answers with it, and every module in the workflow bundle is held in memory
 * once per cached workflow (zod costs about 1.8 MB each). `schemas.ts` builds the zod schemas on the same
 * lists, and a test keeps the two key sets equal.
 */
export const EXPERIENCE_LEVELS = ['EXPERT', 'ENTRY_LEVEL', 'INTERMEDIATE', 'ANY_EXPERIENCE_LEVEL'] as const;
export const PAYMENT_TYPES = ['PAY_PER_LABEL', 'PAY_PER_HOUR', 'FIXED_PRICE'] as const;
export const DATA_VOLUME_UNITS = [
  'HOURS_OF_RECORDING_AUDIO_VIDEO',
  'NUMBER_OF_FILES',
  'NUMBER_OF_WORDS',
  'UNKNOWN_NOT_SPECIFIED',
] as const;

/** text: any string; amount: a finite number ≥ 0; count: a whole number ≥ 1; list: strings; or the enum's values. */
export type DraftFieldKind = 'text' | 'amount' | 'count' | 'list' | readonly string[];

export const DRAFT_FIELD_KINDS: Record<string, DraftFieldKind> = {
  jobTitle: 'text',
  jobDescription: 'text',
  labelingOverview: 'text',
  datasetDescription: 'text',
  dataType: 'text',
  subjectMatter: 'text',
  dataVolume: 'amount',
  dataVolumeUnit: DATA_VOLUME_UNITS,
  labelingSoftware: 'text',
  headcount: 'count',
  experienceLevel: EXPERIENCE_LEVELS,
  paymentType: PAYMENT_TYPES,
  pricePerHour: 'amount',
  pricePerLabel: 'amount',
  fixedPrice: 'amount',
  countries: 'list',
  languages: 'list',
  labelTypes: 'list',
  aiInterviewRequirements: 'text',
  budgetRange: 'text',
  workloadDesc: 'text',
  timeRequirement: 'text',
  projectDuration: 'text',
  freelancerType: 'text',
  projectScope: 'text',
  visibility: 'text',
};

/** Why a value does not fit the field's kind, or null when it does. */
export function draftFieldProblem(kind: DraftFieldKind, value: unknown): string | null {
  if (typeof kind !== 'string') return typeof value === 'string' && kind.includes(value) ? null : `must be one of ${kind.join(', ')}`;
  switch (kind) {
    case 'text':
      return typeof value === 'string' ? null : 'must be a string';
    case 'amount':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? null : 'must be a number, 0 or more';
    case 'count':
      return Number.isSafeInteger(value) && (value as number) >= 1 ? null : 'must be a whole number, at least 1';
    case 'list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? null : 'must be a list of strings';
  }
}
