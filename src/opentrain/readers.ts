// Readers that hide the documented disagreements between OpenTrain sources from the workflow:
// where missing-field objects live (§6.4, CONFLICT C1) and how to tell a claimed account (§3.6, G13).
import type { Capabilities, DraftEnvelope, Me, MissingField } from './schemas';

const ASK_PREFIX = /^ask:\s*/i;

/**
 * The fields still blocking publish, as full objects. Objects come from the top-level `missingFields`
 * when it is non-empty, else from object elements of `validation.missingFields`; field names that
 * appear only as strings are synthesized as `{field, updateKeys: [field]}` with enum values from
 * capabilities. A leading "ask: " is stripped from prompts (CONFLICT C3).
 * Loop on `validation.publishReady`, not on this list being empty.
 */
export function readMissingFields(envelope: DraftEnvelope, capabilities?: Capabilities): MissingField[] {
  const listed = envelope.validation.missingFields ?? [];
  const topLevel = envelope.missingFields ?? [];
  const objects = topLevel.length > 0 ? topLevel : listed.filter((item): item is MissingField => typeof item !== 'string');

  const covered = new Set(objects.map((item) => item.field));
  const synthesized: MissingField[] = [];
  for (const item of listed) {
    if (typeof item !== 'string' || covered.has(item)) continue;
    covered.add(item);
    synthesized.push(synthesize(item, capabilities));
  }

  return [...objects, ...synthesized].map(stripAskPrefix);
}

function synthesize(field: string, capabilities?: Capabilities): MissingField {
  const enumValues = capabilities?.draft.enums[field];
  return enumValues ? { field, updateKeys: [field], type: 'enum', enumValues: [...enumValues] } : { field, updateKeys: [field] };
}

function stripAskPrefix(item: MissingField): MissingField {
  return item.prompt === undefined ? { ...item } : { ...item, prompt: item.prompt.replace(ASK_PREFIX, '') };
}

/** Scopes only the post-claim token carries (§2.2). */
const POST_CLAIM_SCOPES = ['proposals:write', 'messages:write', 'team:write'];

/**
 * §3.6 rules, in order: `account.claimed` when the server sends it; else any post-claim scope on the
 * token; else a non-null actor e-mail (pre-claim anonymous accounts have none).
 */
export function isClaimed(me: Me): boolean {
  if (typeof me.account.claimed === 'boolean') return me.account.claimed;
  if (me.token.scopes.some((scope) => POST_CLAIM_SCOPES.includes(scope))) return true;
  return typeof me.actor.email === 'string' && me.actor.email.length > 0;
}
