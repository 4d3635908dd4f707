/**
 * The custom search attributes of product contract §4: what an operator filters on in the Web UI.
 * Shared by the workflow (upserts), the start scripts (registration) and tests. No secret ever goes here:
 * search attributes are stored in clear even when payloads are encrypted.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const OpenTrainStage = defineSearchAttributeKey('OpenTrainStage', SearchAttributeType.KEYWORD);
export const OpenTrainJobId = defineSearchAttributeKey('OpenTrainJobId', SearchAttributeType.KEYWORD);
export const OpenTrainExternalId = defineSearchAttributeKey('OpenTrainExternalId', SearchAttributeType.KEYWORD);
export const OpenTrainMissingFields = defineSearchAttributeKey('OpenTrainMissingFields', SearchAttributeType.INT);
export const OpenTrainClaimState = defineSearchAttributeKey('OpenTrainClaimState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  OpenTrainStage,
  OpenTrainJobId,
  OpenTrainExternalId,
  OpenTrainMissingFields,
  OpenTrainClaimState,
] as const;

const CLI_TYPE_NAMES: Record<string, string> = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.INT]: 'Int' };

/** `Name=Type` arguments for `temporal server start-dev --search-attribute`. */
export function searchAttributeCliArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}
