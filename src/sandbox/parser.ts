/**
 * The sandbox's job-draft parser: plain English and the four structured import formats → draft
 * fields (§6.1, §6.2). Pure and deterministic — the same input always gives the same output, so
 * tests and demos can rely on exact values.
 *
 * Plain text is read the way a person would skim a job ad: a few targeted patterns per field
 * (headcount, data volume, pay, languages, ...). A value the text implies but does not state is
 * reported in lowConfidenceFields; a sentence nothing could be taken from is reported in
 * unmappedFields (it still lives on in jobDescription). Required fields still absent come back as
 * missingFields entries (§6.3).
 */
import {
  ENUMS, RATE_KEY_FOR, UPDATE_KEY_TYPES, type DraftFields, type ExperienceLevel,
  type ImportFormat, type PaymentType, type UpdateKey,
} from './contract-choices';
import { validateDraft, type MissingField } from './validation';
import { deepText, findElement, leaves, parseXml, XmlSyntaxError, type XmlElement } from './xml';

export interface LowConfidenceField { field: string; value: unknown; confidence: number; reason: string }
export interface UnmappedField { path: string; reason: string; valuePreview: string }

export interface ParseResult {
  format: ImportFormat;
  fields: DraftFields;
  missingFields: MissingField[];
  lowConfidenceFields: LowConfidenceField[];
  unmappedFields: UnmappedField[];
  warnings: string[];
}

export type DraftSource =
  | { format: 'text'; text: string }
  | { format: 'opentrain_canonical'; job: unknown }
  | { format: 'schema_org_job_posting'; jsonLd: unknown }
  | { format: 'indeed_xml' | 'hr_xml'; xml: string };

/** The source cannot be read at all (not an object, XML not well-formed, ...): a 400 for the caller. */
export class SourceError extends Error {
  constructor(message: string, readonly path: (string | number)[]) {
    super(message);
  }
}

export function parseSource(source: DraftSource): ParseResult {
  switch (source.format) {
    case 'text': return parsePlainText(source.text);
    case 'opentrain_canonical': return parseCanonical(source.job);
    case 'schema_org_job_posting': return parseJsonLd(source.jsonLd);
    case 'indeed_xml': return parseIndeedXml(source.xml);
    case 'hr_xml': return parseHrXml(source.xml);
  }
}

// =============================================================================================
// Collecting results
// =============================================================================================

class Collector {
  readonly fields: DraftFields = {};
  readonly low = new Map<string, LowConfidenceField>();
  readonly unmapped: UnmappedField[] = [];
  readonly warnings: string[] = [];

  set<K extends UpdateKey>(field: K, value: DraftFields[K], lowConfidence?: { confidence: number; reason: string }): void {
    if (this.fields[field] !== undefined) return; // the first (most specific) finding wins
    this.fields[field] = value;
    if (lowConfidence) this.low.set(field, { field, value, ...lowConfidence });
  }

  unmappedValue(path: string, reason: string, value: unknown): void {
    this.unmapped.push({ path, reason, valuePreview: preview(value) });
  }

  /** Fill fields still empty from what the free text says (structured sources' descriptions). */
  fillFrom(text: TextFindings): void {
    for (const [key, value] of Object.entries(text.fields) as [UpdateKey, never][]) {
      if (this.fields[key] !== undefined) continue;
      this.fields[key] = value;
      const low = text.low.get(key);
      if (low) this.low.set(key, low);
    }
    // A rate read from the text only makes sense with the pay type it was read with.
    if (this.fields.paymentType) {
      for (const [type, key] of Object.entries(RATE_KEY_FOR)) {
        if (type !== this.fields.paymentType && text.fields[key as UpdateKey] !== undefined) {
          delete this.fields[key as UpdateKey];
          this.low.delete(key);
        }
      }
    }
    this.warnings.push(...text.warnings);
  }

  result(format: ImportFormat): ParseResult {
    const { missingFields } = validateDraft(this.fields);
    return {
      format,
      fields: this.fields,
      missingFields,
      lowConfidenceFields: [...this.low.values()],
      unmappedFields: this.unmapped,
      warnings: this.warnings,
    };
  }
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

// =============================================================================================
// Plain English
// =============================================================================================

const WORD_NUMBERS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, hundred: 100, dozen: 12,
};
const NUM = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)`;
const WORD_NUM = String.raw`(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|dozen)`;
const SCALE = String.raw`(?:\s*(?:k|thousand|million|m)\b)?`;

function toNumber(raw: string, scale?: string): number {
  const word = WORD_NUMBERS[raw.toLowerCase()];
  let n = word ?? Number(raw.replace(/,/g, ''));
  const s = (scale ?? '').trim().toLowerCase();
  if (s === 'k' || s === 'thousand') n *= 1000;
  if (s === 'm' || s === 'million') n *= 1_000_000;
  return Math.round(n * 1e6) / 1e6;
}

/** Words that end a noun phrase: a headcount or volume noun must follow its number closely. */
const PHRASE_BREAKERS = new Set(['to', 'by', 'for', 'of', 'and', 'or', 'per', 'who', 'that', 'will', 'with', 'in', 'on', 'at', 'from', 'each', 'a', 'an', 'the', 'we', 'you']);

const PEOPLE = String.raw`(?:annotators?|label(?:l)?ers?|transcribers?|trainers?|people|persons?|workers?|freelancers?|contractors?|reviewers?|raters?|translators?|linguists?|experts?|specialists?|taggers?|speakers?|writers?|evaluators?|testers?|moderators?|analysts?|coders?|doctors?|nurses?|lawyers?|engineers?)`;

interface Hit { start: number; end: number }

/** Findings from free text, before they are merged into a Collector. */
interface TextFindings {
  fields: DraftFields;
  low: Map<string, LowConfidenceField>;
  warnings: string[];
  hits: Hit[];
}

export function parsePlainText(text: string): ParseResult {
  const c = new Collector();
  const trimmed = text.trim();
  const title = extractTitle(trimmed);
  if (title) c.set('jobTitle', title.value, title.low);
  if (trimmed) c.set('jobDescription', trimmed);
  const findings = extractFromText(trimmed);
  c.fillFrom(findings);
  if (title) findings.hits.push({ start: title.start, end: title.end });
  for (const sentence of splitSentences(trimmed)) {
    const used = findings.hits.some((h) => h.start < sentence.end && h.end > sentence.start);
    if (!used) c.unmappedValue(`text.sentences[${sentence.index}]`, 'No draft field recognised in this sentence; it is kept in jobDescription.', sentence.text);
  }
  return c.result('text');
}

function splitSentences(text: string): { index: number; start: number; end: number; text: string }[] {
  const out: { index: number; start: number; end: number; text: string }[] = [];
  for (const m of text.matchAll(/[^\n]+/g)) {
    const line = m[0];
    const base = m.index ?? 0;
    // Split on ., ! or ? followed by whitespace — not inside "$0.05" or "e.g. 5".
    let last = 0;
    const parts: [number, number][] = [];
    for (const b of line.matchAll(/[.!?]+(?=\s+[A-Z0-9"'(])/g)) {
      const end = (b.index ?? 0) + b[0].length;
      parts.push([last, end]);
      last = end;
    }
    parts.push([last, line.length]);
    for (const [s, e] of parts) {
      const chunk = line.slice(s, e);
      const lead = chunk.length - chunk.trimStart().length;
      const body = chunk.trim();
      if (body.replace(/[^A-Za-z0-9]/g, '') === '') continue;
      out.push({ index: out.length, start: base + s + lead, end: base + s + lead + body.length, text: body });
    }
  }
  return out;
}

function extractTitle(text: string): { value: string; start: number; end: number; low?: { confidence: number; reason: string } } | undefined {
  if (!text) return undefined;
  const explicit = /^[ \t]*(?:job[ \t]+)?title[ \t]*:[ \t]*(.+)$/im.exec(text);
  if (explicit?.[1]) {
    const start = explicit.index;
    return { value: cleanTitle(explicit[1]), start, end: start + explicit[0].length };
  }
  const firstLine = /^[^\n]+/.exec(text)![0];
  const hasMoreLines = text.length > firstLine.length;
  const heading = firstLine.replace(/^#+\s*/, '').trim();
  if (hasMoreLines && heading.length <= 100 && !/[.!?]$/.test(heading) && heading.split(/\s+/).length <= 12) {
    return { value: cleanTitle(heading), start: 0, end: firstLine.length };
  }
  const sentence = splitSentences(text)[0];
  if (!sentence) return undefined;
  const value = cleanTitle(sentence.text);
  if (value.length <= 100) {
    return { value, start: sentence.start, end: sentence.end, low: { confidence: 0.6, reason: 'Taken from the first sentence; no title was stated.' } };
  }
  const cut = value.slice(0, 80).replace(/\s+\S*$/, '');
  return { value: `${cut}...`, start: sentence.start, end: sentence.end, low: { confidence: 0.4, reason: 'Shortened from a long first sentence; no title was stated.' } };
}

function cleanTitle(raw: string): string {
  return raw.replace(/^#+\s*/, '').replace(/[.!?:;,\s]+$/, '').replace(/\s+/g, ' ').trim();
}

/** Runs every free-text extractor; each records where it read from (for unmapped detection). */
function extractFromText(text: string): TextFindings {
  const f: TextFindings = { fields: {}, low: new Map(), warnings: [], hits: [] };
  const set = <K extends UpdateKey>(field: K, value: DraftFields[K], hit: Hit | Hit[], low?: { confidence: number; reason: string }) => {
    if (f.fields[field] !== undefined) return;
    f.fields[field] = value;
    f.hits.push(...(Array.isArray(hit) ? hit : [hit]));
    if (low) f.low.set(field, { field, value, ...low });
  };
  extractHeadcount(text, set);
  extractVolume(text, set);
  extractPay(text, set, f.warnings);
  extractLanguages(text, set);
  extractCountries(text, set);
  extractDuration(text, set);
  extractTimeRequirement(text, set);
  extractExperience(text, set);
  extractLabelTypes(text, set);
  extractSoftware(text, set);
  extractSubjectMatter(text, set);
  return f;
}

type Setter = <K extends UpdateKey>(field: K, value: DraftFields[K], hit: Hit | Hit[], low?: { confidence: number; reason: string }) => void;

function hitOf(m: RegExpExecArray | RegExpMatchArray): Hit {
  const start = m.index ?? 0;
  return { start, end: start + m[0].length };
}

function middleIsNounPhrase(middle: string | undefined): boolean {
  if (!middle) return true;
  return middle.trim().split(/\s+/).every((w) => !PHRASE_BREAKERS.has(w.toLowerCase()) && !/^\d/.test(w));
}

function extractHeadcount(text: string, set: Setter): void {
  const direct = new RegExp(String.raw`(?<![$\d.,])\b(${NUM}|${WORD_NUM})\s+((?:[A-Za-z-]+\s+){0,2}?)${PEOPLE}\b`, 'gi');
  for (const m of text.matchAll(direct)) {
    if (!middleIsNounPhrase(m[2])) continue;
    const n = toNumber(m[1]!);
    if (Number.isInteger(n) && n >= 1) return set('headcount', n, hitOf(m));
  }
  // "Headcount: 5" states it; "hire 5" / "a team of 5" imply people without naming the role.
  const phrased = new RegExp(String.raw`\b(headcount:?|hire|hiring|team of)\s+(?:up to\s+|about\s+)?(${NUM}|${WORD_NUM})\b(?!\s*[A-Za-z$%]|[.,]\d)`, 'gi');
  for (const m of text.matchAll(phrased)) {
    const n = toNumber(m[2]!);
    if (!Number.isInteger(n) || n < 1) continue;
    const stated = m[1]!.toLowerCase().startsWith('headcount');
    return set('headcount', n, hitOf(m), stated ? undefined : { confidence: 0.7, reason: 'A number of people was implied, not stated with a role.' });
  }
}

const FILE_NOUNS: [RegExp, string][] = [
  [/^(?:images?|photos?|photographs?|pictures?|screenshots?|scans?)$/i, 'Image'],
  [/^(?:videos?|clips?|video clips?)$/i, 'Video'],
  [/^(?:recordings?|audio files?|audio clips?)$/i, 'Audio'],
  [/^(?:files?|documents?|docs|pdfs?)$/i, 'Text'],
];
const ITEM_NOUNS = /^(?:items?|samples?|records?|sentences?|texts?|tweets?|posts?|reviews?|frames?|pages?|conversations?|dialogues?|utterances?|prompts?|responses?|questions?|examples?|transcripts?|emails?|messages?|receipts?|invoices?|articles?)$/i;

function extractVolume(text: string, set: Setter): void {
  const hours = new RegExp(String.raw`(?<![$\d.,])\b(${NUM}|${WORD_NUM})${SCALE}\s*\+?\s*(?:hours?|hrs?)\s+of\s+((?:[A-Za-z-]+\s+){0,2}?)(audio|video|recordings?|speech|footage|calls?|podcasts?|interviews?|conversations?)\b`, 'gi');
  const mh = hours.exec(text);
  const counted = new RegExp(String.raw`(?<![$\d.,])\b(${NUM})(${SCALE})\s*\+?\s+((?:[A-Za-z-]+\s+){0,2}?)(images?|photos?|photographs?|pictures?|screenshots?|scans?|videos?|video clips?|clips?|recordings?|audio files?|audio clips?|files?|documents?|docs|pdfs?|words?|tokens?|items?|samples?|records?|sentences?|texts?|tweets?|posts?|reviews?|frames?|pages?|conversations?|dialogues?|utterances?|prompts?|responses?|questions?|examples?|transcripts?|emails?|messages?|receipts?|invoices?|articles?)\b`, 'gi');
  let mc: RegExpExecArray | null = null;
  for (let m = counted.exec(text); m; m = counted.exec(text)) {
    if (middleIsNounPhrase(m[3])) { mc = m; break; }
  }
  // The earlier mention is the one the ad leads with.
  if (mh && (!mc || mh.index <= mc.index)) {
    set('dataVolume', toNumber(mh[1]!), hitOf(mh));
    set('dataVolumeUnit', 'HOURS_OF_RECORDING_AUDIO_VIDEO', hitOf(mh));
    set('dataType', /video|footage/i.test(mh[3]!) ? 'Video' : 'Audio', hitOf(mh));
    return;
  }
  if (!mc) {
    extractDataTypeByKeyword(text, set);
    return;
  }
  const noun = mc[4]!;
  const volume = toNumber(mc[1]!, mc[2]);
  set('dataVolume', volume, hitOf(mc));
  if (/^(?:words?|tokens?)$/i.test(noun)) {
    set('dataVolumeUnit', 'NUMBER_OF_WORDS', hitOf(mc));
    set('dataType', 'Text', hitOf(mc));
    return;
  }
  const fileKind = FILE_NOUNS.find(([re]) => re.test(noun));
  if (fileKind) {
    set('dataVolumeUnit', 'NUMBER_OF_FILES', hitOf(mc));
    set('dataType', fileKind[1], hitOf(mc));
    return;
  }
  if (ITEM_NOUNS.test(noun)) {
    set('dataVolumeUnit', 'NUMBER_OF_FILES', hitOf(mc), { confidence: 0.5, reason: `"${noun}" were counted as files; no unit matches them exactly.` });
    if (/frames?/i.test(noun)) set('dataType', 'Video', hitOf(mc));
    else set('dataType', 'Text', hitOf(mc), { confidence: 0.5, reason: `Guessed from "${noun}".` });
  }
}

function extractDataTypeByKeyword(text: string, set: Setter): void {
  const kinds: [RegExp, string][] = [[/\b(?:images?|photos?|pictures?)\b/i, 'Image'], [/\bvideos?\b/i, 'Video'], [/\b(?:audio|speech|recordings?)\b/i, 'Audio'], [/\b(?:texts?|documents?|sentences?)\b/i, 'Text']];
  let best: { kind: string; hit: Hit } | undefined;
  for (const [re, kind] of kinds) {
    const m = re.exec(text);
    if (m && (!best || m.index < best.hit.start)) best = { kind, hit: hitOf(m) };
  }
  if (best) set('dataType', best.kind, best.hit);
}

const MONEY = String.raw`(?:(?:US)?\$|USD\s?)\s?(${NUM})(?:\s*(?:-|–|to)\s*(?:(?:US)?\$|USD\s?)?\s?(${NUM}))?|(${NUM})(?:\s*(?:-|–|to)\s*(${NUM}))?\s?(?:USD|dollars)`;
const LABEL_UNITS = String.raw`(?:completed\s+|approved\s+|accepted\s+)?(?:labels?|annotations?|images?|items?|tasks?|files?|transcripts?|clips?|bounding boxes|boxes|box|polygons?|sentences?|records?|documents?|utterances?|samples?|responses?|prompts?|rows?|judg(?:e)?ments?)`;

interface PayFinding { type: PaymentType; amount: number; upper?: number; hit: Hit; low?: { confidence: number; reason: string } }

function moneyOf(m: RegExpMatchArray, offset: number): { amount: number; upper?: number } {
  const amount = toNumber(m[offset] ?? m[offset + 2]!);
  const upperRaw = m[offset + 1] ?? m[offset + 3];
  return upperRaw ? { amount, upper: toNumber(upperRaw) } : { amount };
}

function extractPay(text: string, set: Setter, warnings: string[]): void {
  const found: PayFinding[] = [];
  const perLabel = new RegExp(String.raw`(?:${MONEY})\s*(?:\/\s*|(?:per|a|an|for each|each|for every)\s+)${LABEL_UNITS}\b`, 'gi');
  for (const m of text.matchAll(perLabel)) found.push({ type: 'PAY_PER_LABEL', ...moneyOf(m, 1), hit: hitOf(m) });
  const cents = new RegExp(String.raw`\b(${NUM})\s?(?:cents?|¢)\s*(?:\/\s*|(?:per|a|an|for each|each)\s+)${LABEL_UNITS}\b`, 'gi');
  for (const m of text.matchAll(cents)) found.push({ type: 'PAY_PER_LABEL', amount: toNumber(m[1]!) / 100, hit: hitOf(m) });
  const hourly = new RegExp(String.raw`(?:${MONEY})\s*(?:/\s*|per\s+|an\s+|a\s+)(?:hour|hr|h)\b|(?:${MONEY})\s+hourly\b`, 'gi');
  for (const m of text.matchAll(hourly)) {
    const money = (m[1] ?? m[3]) !== undefined ? moneyOf(m, 1) : moneyOf(m, 5);
    found.push({ type: 'PAY_PER_HOUR', ...money, hit: hitOf(m) });
  }
  const hourlyLead = new RegExp(String.raw`\bhourly\s+(?:rate|pay|wage)?\s*(?:of|is|:|=)?\s*(?:${MONEY})`, 'gi');
  for (const m of text.matchAll(hourlyLead)) found.push({ type: 'PAY_PER_HOUR', ...moneyOf(m, 1), hit: hitOf(m) });
  const perLabelLead = new RegExp(String.raw`\bper[- ](?:label|annotation|item|task|image)\s+(?:rate|price|pay)?\s*(?:of|is|:|=)?\s*(?:${MONEY})`, 'gi');
  for (const m of text.matchAll(perLabelLead)) found.push({ type: 'PAY_PER_LABEL', ...moneyOf(m, 1), hit: hitOf(m) });
  const fixedLead = new RegExp(String.raw`\b(?:fixed|flat)[ -](?:price|fee|rate|budget|amount|payment|total)\s*(?:of|is|:|=)?\s*(?:${MONEY})`, 'gi');
  for (const m of text.matchAll(fixedLead)) found.push({ type: 'FIXED_PRICE', ...moneyOf(m, 1), hit: hitOf(m) });
  const fixedTrail = new RegExp(String.raw`(?:${MONEY})\s*(?:\(\s*)?(?:fixed|flat)(?:[ -](?:price|fee|rate))?\b|(?:${MONEY})\s+(?:in total|total|for the (?:whole|entire) (?:job|project))\b`, 'gi');
  for (const m of text.matchAll(fixedTrail)) {
    const money = (m[1] ?? m[3]) !== undefined ? moneyOf(m, 1) : moneyOf(m, 5);
    found.push({ type: 'FIXED_PRICE', ...money, hit: hitOf(m) });
  }
  const budget = new RegExp(String.raw`\b(?:total\s+)?budget\s*(?:of|is|:|=)?\s*(?:about\s+|around\s+|up to\s+)?(?:${MONEY})`, 'gi');
  for (const m of text.matchAll(budget)) {
    found.push({ type: 'FIXED_PRICE', ...moneyOf(m, 1), hit: hitOf(m), low: { confidence: 0.5, reason: 'A budget was given without saying the price is fixed.' } });
  }
  if (found.length === 0) return;
  found.sort((a, b) => a.hit.start - b.hit.start);
  const first = found[0]!;
  const types = new Set(found.map((x) => x.type));
  if (types.size > 1) warnings.push(`Several pay terms were mentioned (${[...types].join(', ')}); the first one, ${first.type}, was used.`);
  set('paymentType', first.type, first.hit, first.low);
  const rateKey = RATE_KEY_FOR[first.type];
  if (first.upper !== undefined) {
    set(rateKey, first.amount, first.hit, { confidence: 0.6, reason: `A range was given (${first.amount}–${first.upper}); the lower bound was used.` });
    set('budgetRange', `${first.amount}-${first.upper} USD`, first.hit);
  } else {
    set(rateKey, first.amount, first.hit, first.low);
  }
}

const LANGUAGES = [
  'English', 'Spanish', 'French', 'German', 'Italian', 'Portuguese', 'Dutch', 'Russian', 'Ukrainian', 'Polish',
  'Czech', 'Slovak', 'Romanian', 'Hungarian', 'Greek', 'Turkish', 'Arabic', 'Hebrew', 'Persian', 'Farsi', 'Hindi',
  'Bengali', 'Urdu', 'Punjabi', 'Tamil', 'Telugu', 'Marathi', 'Gujarati', 'Chinese', 'Mandarin', 'Cantonese',
  'Japanese', 'Korean', 'Vietnamese', 'Thai', 'Indonesian', 'Malay', 'Tagalog', 'Filipino', 'Swahili', 'Yoruba',
  'Igbo', 'Hausa', 'Amharic', 'Swedish', 'Norwegian', 'Danish', 'Finnish', 'Icelandic', 'Catalan', 'Serbian',
  'Croatian', 'Bulgarian', 'Lithuanian', 'Latvian', 'Estonian',
];
const LANGUAGE_ALIASES: Record<string, string> = { Farsi: 'Persian' };

function extractLanguages(text: string, set: Setter): void {
  // Case-sensitive on purpose: languages are proper nouns, and "polish the labels" is not Polish.
  const re = new RegExp(String.raw`\b(${LANGUAGES.join('|')})\b`, 'g');
  const seen: string[] = [];
  const hits: Hit[] = [];
  for (const m of text.matchAll(re)) {
    const name = LANGUAGE_ALIASES[m[1]!] ?? m[1]!;
    if (!seen.includes(name)) seen.push(name);
    hits.push(hitOf(m));
  }
  if (seen.length > 0) set('languages', seen, hits);
}

const COUNTRIES: [string, string][] = [
  ['United States', 'US'], ['United Kingdom', 'GB'], ['Great Britain', 'GB'], ['Canada', 'CA'], ['Australia', 'AU'],
  ['Germany', 'DE'], ['France', 'FR'], ['Spain', 'ES'], ['Italy', 'IT'], ['Mexico', 'MX'], ['Brazil', 'BR'],
  ['India', 'IN'], ['Philippines', 'PH'], ['Kenya', 'KE'], ['Nigeria', 'NG'], ['South Africa', 'ZA'], ['Japan', 'JP'],
  ['China', 'CN'], ['South Korea', 'KR'], ['Netherlands', 'NL'], ['Poland', 'PL'], ['Egypt', 'EG'],
  ['Indonesia', 'ID'], ['Vietnam', 'VN'], ['Pakistan', 'PK'], ['Argentina', 'AR'], ['Colombia', 'CO'],
  ['Ireland', 'IE'], ['New Zealand', 'NZ'], ['Portugal', 'PT'], ['Turkey', 'TR'], ['Ukraine', 'UA'],
  ['Sweden', 'SE'], ['Norway', 'NO'], ['Denmark', 'DK'], ['Finland', 'FI'], ['Ghana', 'GH'], ['Morocco', 'MA'],
];

/** Country name (or ISO-2 code) → ISO-2, for structured sources. */
export function countryCode(name: string): string | undefined {
  const trimmed = name.trim();
  if (/^[A-Z]{2}$/.test(trimmed)) return trimmed === 'UK' ? 'GB' : trimmed;
  const lower = trimmed.toLowerCase();
  if (['usa', 'u.s.', 'u.s.a.', 'us'].includes(lower)) return 'US';
  if (['uk', 'u.k.', 'britain'].includes(lower)) return 'GB';
  return COUNTRIES.find(([n]) => n.toLowerCase() === lower)?.[1];
}

function extractCountries(text: string, set: Setter): void {
  const names = COUNTRIES.map(([n]) => n.replace(/ /g, '\\s+')).join('|');
  // Full names anywhere; the short forms US/USA/UK only where they read as a location.
  const re = new RegExp(String.raw`\b(${names})\b|(?:\b(?:in|from|based in|located in|residents? of)\s+(?:the\s+)?)(US|USA|UK|U\.S\.|U\.K\.)(?![A-Za-z])|\b(US|USA|UK)(?=[- ](?:based|only|residents?)\b)`, 'g');
  const codes: string[] = [];
  const hits: Hit[] = [];
  for (const m of text.matchAll(re)) {
    const code = countryCode((m[1] ?? m[2] ?? m[3]!).replace(/\s+/g, ' '));
    if (code && !codes.includes(code)) codes.push(code);
    hits.push(hitOf(m));
  }
  if (codes.length > 0) set('countries', codes, hits);
}

function extractDuration(text: string, set: Setter): void {
  const unitWord = (n: number, unit: string) => `${n} ${unit.replace(/s$/i, '').toLowerCase()}${n === 1 ? '' : 's'}`;
  const lead = new RegExp(String.raw`\b(?:for|over|within|lasting|duration(?:\s+of)?:?|takes?|run(?:s|ning)? for)\s+(?:about\s+|approximately\s+|roughly\s+|around\s+|the\s+next\s+|the\s+)?(${NUM}|${WORD_NUM}|a|an)\s*(?:(?:-|–|to)\s*(${NUM}|${WORD_NUM})\s*)?(days?|weeks?|months?|years?)\b`, 'gi');
  const m1 = lead.exec(text);
  const trail = new RegExp(String.raw`\b(${NUM}|${WORD_NUM})[- ](day|week|month|year)s?[- ](?:long\s+)?(?:project|engagement|contract|job|sprint|pilot|assignment)\b`, 'gi');
  const m2 = trail.exec(text);
  const m = m1 && (!m2 || m1.index <= m2.index) ? m1 : m2;
  if (m === m1 && m1) {
    const from = toNumber(m1[1]!);
    const value = m1[2] ? `${from}-${toNumber(m1[2])} ${m1[3]!.replace(/s$/i, '').toLowerCase()}s` : unitWord(from, m1[3]!);
    return set('projectDuration', value, hitOf(m1));
  }
  if (m2) return set('projectDuration', unitWord(toNumber(m2[1]!), m2[2]!), hitOf(m2));
  const ongoing = /\b(?:ongoing|long[- ]term)\b/i.exec(text);
  if (ongoing) set('projectDuration', 'Ongoing', hitOf(ongoing), { confidence: 0.6, reason: 'Described as ongoing; no length was given.' });
}

function extractTimeRequirement(text: string, set: Setter): void {
  const hours = new RegExp(String.raw`\b(${NUM}|${WORD_NUM})(?:\s*(?:-|–|to)\s*(${NUM}))?\s*(?:hours?|hrs?|h)\s*(?:per|a|/|each)\s*(week|wk|day)\b`, 'gi');
  const m = hours.exec(text);
  if (m) {
    const range = m[2] ? `${toNumber(m[1]!)}-${toNumber(m[2])}` : String(toNumber(m[1]!));
    return set('timeRequirement', `${range} hours per ${m[3]!.toLowerCase() === 'day' ? 'day' : 'week'}`, hitOf(m));
  }
  const fullPart = /\b(full|part)[- ]time\b/i.exec(text);
  if (fullPart) set('timeRequirement', fullPart[1]!.toLowerCase() === 'full' ? 'Full-time' : 'Part-time', hitOf(fullPart));
}

function extractExperience(text: string, set: Setter): void {
  const candidates: { level: ExperienceLevel; hit: Hit; low?: { confidence: number; reason: string } }[] = [];
  const rules: [RegExp, ExperienceLevel][] = [
    [/\bany (?:experience )?levels?\b|\ball (?:experience )?levels\b|\bany level of experience\b/i, 'ANY_EXPERIENCE_LEVEL'],
    [/\bentry[- ]level\b|\bbeginners?\b|\bjuniors?\b|\bno (?:prior |previous )?experience (?:is )?(?:required|needed|necessary)\b|\bnewcomers?\b/i, 'ENTRY_LEVEL'],
    [/\bintermediate\b|\bmid[- ]level\b|\bsome (?:prior )?experience\b/i, 'INTERMEDIATE'],
    [/\bexperts?\b|\bexpert[- ]level\b|\bsenior\b|\bhighly (?:experienced|skilled)\b|\bPhDs?\b|\bprofessional (?:linguists?|translators?|annotators?|transcribers?)\b/i, 'EXPERT'],
  ];
  for (const [re, level] of rules) {
    const m = re.exec(text);
    if (m) candidates.push({ level, hit: hitOf(m) });
  }
  const years = /\b(\d+)\+?\s*years?(?:\s+of)?\s+(?:\w+\s+)?experience\b/i.exec(text);
  if (years) {
    const n = Number(years[1]);
    const level: ExperienceLevel = n >= 5 ? 'EXPERT' : n >= 1 ? 'INTERMEDIATE' : 'ENTRY_LEVEL';
    candidates.push({ level, hit: hitOf(years), low: { confidence: 0.7, reason: `Inferred from "${years[0]}".` } });
  }
  const loose = /\bexperienced\b/i.exec(text);
  if (loose) candidates.push({ level: 'INTERMEDIATE', hit: hitOf(loose), low: { confidence: 0.5, reason: '"Experienced" was read as INTERMEDIATE.' } });
  candidates.sort((a, b) => a.hit.start - b.hit.start);
  const first = candidates[0];
  if (first) set('experienceLevel', first.level, first.hit, first.low);
}

const LABEL_TYPES: [RegExp, string][] = [
  [/\bbounding[- ]box(?:es)?\b|\bbboxe?s?\b/i, 'Bounding Box'],
  [/\bpolygons?\b/i, 'Polygon'],
  [/\bsegmentation\b|\bsegment(?:ing)?\b/i, 'Segmentation'],
  [/\bkey ?points?\b|\blandmarks?\b/i, 'Keypoint'],
  [/\bclassif(?:y|ies|ied|ying|ication)\b|\bcategori[sz](?:e|ed|ing|ation)\b/i, 'Classification'],
  [/\btranscri(?:be|bing|ption|ptions)\b/i, 'Transcription'],
  [/\btranslat(?:e|ing|ion|ions)\b/i, 'Translation'],
  [/\bnamed[- ]entit(?:y|ies)\b|\bNER\b/, 'Named Entity Recognition'],
  [/\bsentiment\b/i, 'Sentiment Analysis'],
  [/\bRLHF\b|\bpreference (?:ranking|data|labels?)\b|\brank(?:ing)? (?:model |AI |chatbot )?(?:responses|outputs|answers)\b/i, 'RLHF'],
  [/\b(?:evaluat(?:e|ing|ion)|rat(?:e|ing)) (?:of )?(?:model |AI |chatbot |LLM )?(?:responses|outputs|answers)\b/i, 'Evaluation'],
  [/\bcaption(?:s|ing)?\b/i, 'Captioning'],
  [/\bcontent moderation\b/i, 'Content Moderation'],
  [/\btagging\b/i, 'Tagging'],
];

/** Canonical label types mentioned in `text`, in order of first mention. */
export function labelTypesIn(text: string): { values: string[]; hits: Hit[] } {
  const found: { value: string; hit: Hit }[] = [];
  for (const [re, value] of LABEL_TYPES) {
    const m = re.exec(text);
    if (m) found.push({ value, hit: hitOf(m) });
  }
  found.sort((a, b) => a.hit.start - b.hit.start);
  return { values: found.map((x) => x.value), hits: found.map((x) => x.hit) };
}

function extractLabelTypes(text: string, set: Setter): void {
  const { values, hits } = labelTypesIn(text);
  if (values.length > 0) set('labelTypes', values, hits);
}

const SOFTWARE = ['Label Studio', 'CVAT', 'Labelbox', 'Prodigy', 'Supervisely', 'SuperAnnotate', 'Encord', 'Dataloop', 'SageMaker Ground Truth', 'Doccano', 'LabelImg', 'V7'];

function extractSoftware(text: string, set: Setter): void {
  const re = new RegExp(String.raw`\b(${SOFTWARE.map((s) => s.replace(/ /g, '\\s+')).join('|')})\b`, 'i');
  const m = re.exec(text);
  if (m) set('labelingSoftware', SOFTWARE.find((s) => s.toLowerCase() === m[1]!.replace(/\s+/g, ' ').toLowerCase())!, hitOf(m));
}

const SUBJECTS: [RegExp, string][] = [
  [/\b(?:medical|healthcare|clinical|radiology)\b/i, 'Medical'],
  [/\blegal\b/i, 'Legal'],
  [/\bfinanc(?:e|ial)\b/i, 'Finance'],
  [/\b(?:autonomous driving|self-driving|automotive)\b/i, 'Automotive'],
  [/\be-?commerce\b|\bretail\b/i, 'E-commerce'],
  [/\bagricultur(?:e|al)\b/i, 'Agriculture'],
  [/\b(?:programming|software engineering|source code)\b/i, 'Software'],
];

function extractSubjectMatter(text: string, set: Setter): void {
  let best: { value: string; hit: Hit } | undefined;
  for (const [re, value] of SUBJECTS) {
    const m = re.exec(text);
    if (m && (!best || (m.index ?? 0) < best.hit.start)) best = { value, hit: hitOf(m) };
  }
  if (best) set('subjectMatter', best.value, best.hit);
}

/** Experience level read from a short phrase (used by structured sources). */
function experienceFrom(text: string): { level: ExperienceLevel; low?: { confidence: number; reason: string } } | undefined {
  const enumValue = normalizeEnum(text, ENUMS.experienceLevel);
  if (enumValue) return { level: enumValue };
  const f: TextFindings = { fields: {}, low: new Map(), warnings: [], hits: [] };
  extractExperience(text, (field, value, _hit, low) => {
    f.fields[field] = value;
    if (low) f.low.set(field, { field, value, ...low });
  });
  if (!f.fields.experienceLevel) return undefined;
  const low = f.low.get('experienceLevel');
  return { level: f.fields.experienceLevel, low: low ? { confidence: low.confidence, reason: low.reason } : undefined };
}

// =============================================================================================
// Structured sources
// =============================================================================================

/** "intermediate", "Pay per label", "pay-per-hour" → the canonical constant, if one matches. */
export function normalizeEnum<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value !== 'string') return undefined;
  const key = value.trim().toUpperCase().replace(/[\s-]+/g, '_');
  return allowed.find((a) => a === key);
}

function asStringArray(value: unknown): string[] | undefined {
  if (typeof value === 'string' && value.trim()) return value.split(/\s*[,;]\s*/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim()).filter(Boolean);
  return undefined;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*\$?\d[\d,]*(?:\.\d+)?\s*$/.test(value)) return Number(value.replace(/[$,\s]/g, ''));
  return undefined;
}

export function htmlToText(html: string): string {
  return html
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\/\s*(?:p|div|li|h[1-6])\s*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|apos);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" } as Record<string, string>)[e] ?? '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Applies one §6.2 key given directly in a structured source, checking its type. */
function applyDraftKey(c: Collector, key: UpdateKey, value: unknown, path: string): void {
  const type = UPDATE_KEY_TYPES[key];
  if (type === 'enum') {
    const allowed = ENUMS[key as keyof typeof ENUMS] as readonly string[];
    const v = normalizeEnum(value, allowed);
    if (v) c.set(key, v as never);
    else c.unmappedValue(path, `Not one of ${allowed.join(', ')}.`, value);
  } else if (type === 'number' || type === 'integer') {
    const n = asNumber(value);
    if (n !== undefined && (type === 'number' || Number.isInteger(n))) c.set(key, n as never);
    else c.unmappedValue(path, `Expected ${type === 'integer' ? 'a whole number' : 'a number'}.`, value);
  } else if (type === 'string[]') {
    const list = asStringArray(value);
    if (list) c.set(key, (key === 'countries' ? list.map((x) => countryCode(x) ?? x) : list) as never);
    else c.unmappedValue(path, 'Expected a list of strings.', value);
  } else if (typeof value === 'string') {
    c.set(key, value as never);
  } else {
    c.unmappedValue(path, 'Expected a string.', value);
  }
}

function fillFromDescription(c: Collector): void {
  if (c.fields.jobDescription) c.fillFrom(extractFromText(c.fields.jobDescription));
}

/** `format: "opentrain_canonical"`: §6.2 canonical keys plus any patchable key given directly. */
export function parseCanonical(job: unknown): ParseResult {
  if (typeof job !== 'object' || job === null || Array.isArray(job)) throw new SourceError('job must be an object', ['job']);
  const c = new Collector();
  const entries = Object.entries(job as Record<string, unknown>);
  const payType = normalizeEnum((job as Record<string, unknown>).paymentType, ENUMS.paymentType);
  for (const [key, value] of entries) {
    const path = `job.${key}`;
    if (value === null || value === undefined) continue;
    switch (key) {
      case 'title': applyDraftKey(c, 'jobTitle', value, path); break;
      case 'description': applyDraftKey(c, 'jobDescription', typeof value === 'string' ? htmlToText(value) : value, path); break;
      case 'rateAmount': {
        const n = asNumber(value);
        if (!payType) c.unmappedValue(path, 'rateAmount needs a valid paymentType to say which rate it is.', value);
        else if (n === undefined || !(n > 0)) c.unmappedValue(path, 'Expected a positive number.', value);
        else c.set(RATE_KEY_FOR[payType], n);
        break;
      }
      case 'tools': {
        const list = asStringArray(value);
        if (list) c.set('labelingSoftware', list.join(', '));
        else c.unmappedValue(path, 'Expected a string or a list of strings.', value);
        break;
      }
      default:
        if (key in UPDATE_KEY_TYPES) applyDraftKey(c, key as UpdateKey, value, path);
        else c.unmappedValue(path, 'Not a canonical job key.', value);
    }
  }
  fillFromDescription(c);
  return c.result('opentrain_canonical');
}

const JSONLD_IGNORED = new Set(['@context', '@type', '@id']);
const JSONLD_NO_FIELD = 'No draft field for this JobPosting property.';

/** `format: "schema_org_job_posting"`: a schema.org JobPosting (object or JSON string). */
export function parseJsonLd(input: unknown): ParseResult {
  let doc = input;
  if (typeof doc === 'string') {
    try { doc = JSON.parse(doc); } catch { throw new SourceError('jsonLd is not valid JSON', ['jsonLd']); }
  }
  if (typeof doc === 'object' && doc !== null && Array.isArray((doc as Record<string, unknown>)['@graph'])) {
    doc = ((doc as Record<string, unknown>)['@graph'] as unknown[]).find((n) => typeof n === 'object' && n !== null && (n as Record<string, unknown>)['@type'] === 'JobPosting');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SourceError('jsonLd must be a JobPosting object', ['jsonLd']);
  const posting = doc as Record<string, unknown>;
  const c = new Collector();
  if (posting['@type'] !== undefined && posting['@type'] !== 'JobPosting') c.warnings.push(`@type is ${String(posting['@type'])}, not JobPosting; read as a JobPosting anyway.`);
  for (const [key, value] of Object.entries(posting)) {
    const path = `jsonLd.${key}`;
    if (JSONLD_IGNORED.has(key) || value === null || value === undefined) continue;
    switch (key) {
      case 'title': applyDraftKey(c, 'jobTitle', value, path); break;
      case 'description': applyDraftKey(c, 'jobDescription', typeof value === 'string' ? htmlToText(value) : value, path); break;
      case 'totalJobOpenings': applyDraftKey(c, 'headcount', value, path); break;
      case 'baseSalary': case 'estimatedSalary': readSalary(c, value, path); break;
      case 'experienceRequirements': readExperienceRequirement(c, value, path); break;
      case 'jobLocation': case 'applicantLocationRequirements': readLocations(c, value, path); break;
      case 'workHours': applyDraftKey(c, 'timeRequirement', value, path); break;
      case 'industry': applyDraftKey(c, 'subjectMatter', value, path); break;
      case 'inLanguage': applyDraftKey(c, 'languages', value, path); break;
      case 'skills': {
        const { values } = labelTypesIn(Array.isArray(value) ? value.join(', ') : String(value));
        if (values.length > 0) c.set('labelTypes', values);
        else c.unmappedValue(path, 'No label type recognised in skills.', value);
        break;
      }
      default: c.unmappedValue(path, JSONLD_NO_FIELD, value);
    }
  }
  fillFromDescription(c);
  return c.result('schema_org_job_posting');
}

function readSalary(c: Collector, salary: unknown, path: string): void {
  const s = salary as Record<string, unknown>;
  const value = typeof s === 'object' && s !== null ? s.value : undefined;
  const v = (typeof value === 'object' && value !== null ? value : { value }) as Record<string, unknown>;
  const unit = String(v.unitText ?? s?.unitText ?? '').toUpperCase();
  const amount = asNumber(v.value) ?? asNumber(v.minValue);
  const upper = asNumber(v.maxValue);
  if (amount === undefined) return c.unmappedValue(path, 'No amount found in the salary.', salary);
  const currency = typeof s?.currency === 'string' ? s.currency : 'USD';
  if (currency !== 'USD') c.warnings.push(`Salary currency ${currency} was read as USD.`);
  if (unit === 'HOUR') {
    c.set('paymentType', 'PAY_PER_HOUR');
    if (upper !== undefined && upper !== amount) {
      c.set('pricePerHour', amount, { confidence: 0.6, reason: `A range was given (${amount}–${upper}); the lower bound was used.` });
      c.set('budgetRange', `${amount}-${upper} ${currency}`);
    } else c.set('pricePerHour', amount);
  } else if (unit === 'PROJECT' || unit === 'TOTAL' || unit === '') {
    c.set('paymentType', 'FIXED_PRICE', unit === '' ? { confidence: 0.5, reason: 'The salary has no unitText; read as a fixed price.' } : undefined);
    c.set('fixedPrice', amount);
  } else {
    c.unmappedValue(path, `Salary per ${unit.toLowerCase()} has no draft pay type.`, salary);
  }
}

function readExperienceRequirement(c: Collector, value: unknown, path: string): void {
  if (typeof value === 'string') {
    const e = experienceFrom(value);
    if (e) c.set('experienceLevel', e.level, e.low);
    else c.unmappedValue(path, 'No experience level recognised.', value);
    return;
  }
  const months = asNumber((value as Record<string, unknown> | null)?.monthsOfExperience);
  if (months === undefined) return c.unmappedValue(path, 'No experience level recognised.', value);
  const level: ExperienceLevel = months >= 60 ? 'EXPERT' : months >= 12 ? 'INTERMEDIATE' : 'ENTRY_LEVEL';
  c.set('experienceLevel', level, { confidence: 0.7, reason: `Inferred from ${months} months of experience.` });
}

function readLocations(c: Collector, value: unknown, path: string): void {
  const list = Array.isArray(value) ? value : [value];
  const codes: string[] = [];
  for (const place of list) {
    const p = place as Record<string, unknown>;
    const address = (p?.address ?? p) as Record<string, unknown>;
    const country = address?.addressCountry ?? p?.name;
    const name = typeof country === 'object' && country !== null ? (country as Record<string, unknown>).name : country;
    const code = typeof name === 'string' ? countryCode(name) : undefined;
    if (code) { if (!codes.includes(code)) codes.push(code); } else c.unmappedValue(path, 'No country recognised in this location.', place);
  }
  if (codes.length > 0) c.set('countries', [...(c.fields.countries ?? []), ...codes.filter((x) => !(c.fields.countries ?? []).includes(x))]);
}

function readXml(xml: string, path: string): XmlElement {
  try {
    return parseXml(xml);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new SourceError(`xml is not well-formed: ${err.message}`, [path]);
    throw err;
  }
}

/** `indeed_xml`: an Indeed feed (<source><job>...</job></source>) or a single <job>. */
export function parseIndeedXml(xml: string): ParseResult {
  const root = readXml(xml, 'xml');
  const jobs = root.name.toLowerCase() === 'job' ? [root] : root.children.filter((e) => e.name.toLowerCase() === 'job');
  const job = jobs[0];
  if (!job) throw new SourceError('xml has no <job> element', ['xml']);
  const c = new Collector();
  if (jobs.length > 1) c.warnings.push(`The feed holds ${jobs.length} jobs; only the first was imported.`);
  for (const { path, element } of leaves(job)) {
    const tag = element.name.toLowerCase();
    const text = element.text;
    if (!text) continue;
    switch (tag) {
      case 'title': c.set('jobTitle', text); break;
      case 'description': c.set('jobDescription', htmlToText(text)); break;
      case 'salary': readPayPhrase(c, text, path); break;
      case 'experience': {
        const e = experienceFrom(text);
        if (e) c.set('experienceLevel', e.level, e.low); else c.unmappedValue(path, 'No experience level recognised.', text);
        break;
      }
      case 'country': {
        const code = countryCode(text);
        if (code) c.set('countries', [code]); else c.unmappedValue(path, 'Unknown country.', text);
        break;
      }
      case 'language': case 'languages': applyDraftKey(c, 'languages', text, path); break;
      default: c.unmappedValue(path, 'No draft field for this feed element.', text);
    }
  }
  fillFromDescription(c);
  return c.result('indeed_xml');
}

/** A pay phrase from a feed ("$20 per hour", "15.50 USD/hour", "$500 fixed"). */
function readPayPhrase(c: Collector, text: string, path: string): void {
  const f: TextFindings = { fields: {}, low: new Map(), warnings: [], hits: [] };
  extractPay(text, (field, value, _hit, low) => {
    if (f.fields[field] !== undefined) return;
    f.fields[field] = value;
    if (low) f.low.set(field, { field, value, ...low });
  }, f.warnings);
  if (!f.fields.paymentType) return c.unmappedValue(path, 'No pay type recognised in the salary.', text);
  c.fillFrom(f);
}

const HR_LANGUAGE_CODES: Record<string, string> = {
  en: 'English', es: 'Spanish', fr: 'French', de: 'German', it: 'Italian', pt: 'Portuguese', nl: 'Dutch', ru: 'Russian',
  zh: 'Chinese', ja: 'Japanese', ko: 'Korean', ar: 'Arabic', hi: 'Hindi', tr: 'Turkish', pl: 'Polish', sv: 'Swedish',
};

/** `hr_xml`: an HR-XML PositionOpening; the elements below are read, every other leaf is reported. */
export function parseHrXml(xml: string): ParseResult {
  const root = readXml(xml, 'xml');
  const c = new Collector();
  const consumed = new Set<XmlElement>();
  const take = (names: string[]): XmlElement | undefined => {
    // Names are in order of preference (the most specific element first).
    const el = names.map((n) => findElement(root, [n])).find((e) => e !== undefined);
    if (el) for (const { element } of leaves(el)) consumed.add(element);
    return el;
  };
  const title = take(['PositionTitle', 'JobTitle']);
  if (title?.text) c.set('jobTitle', title.text);
  const description = take(['PositionFormattedDescription', 'FormattedPositionDescription', 'PositionDescription', 'Description']);
  if (description) {
    const text = htmlToText(deepText(description));
    if (text) c.set('jobDescription', text);
  }
  const count = take(['NumberToFill', 'PositionQuantity', 'Quantity']);
  if (count?.text) applyDraftKey(c, 'headcount', count.text, 'NumberToFill');
  const amountEl = take(['BasePayAmountMin', 'BasePayAmount', 'BaseSalaryAmount', 'Amount']);
  const basePay = findElement(root, ['BasePay']);
  const frequency = (take(['BasePayFrequency', 'PayFrequency', 'Frequency'])?.text ?? basePay?.attrs.basePayType ?? amountEl?.attrs.frequency ?? '').toLowerCase();
  const amount = amountEl ? asNumber(amountEl.text) : undefined;
  if (amount !== undefined) {
    if (/hour/.test(frequency)) { c.set('paymentType', 'PAY_PER_HOUR'); c.set('pricePerHour', amount); }
    else if (/project|fixed|total|one[- ]?time/.test(frequency)) { c.set('paymentType', 'FIXED_PRICE'); c.set('fixedPrice', amount); }
    else c.unmappedValue('BasePay', `Pay frequency "${frequency || 'unspecified'}" has no draft pay type.`, amountEl!.text);
  }
  const countryEl = take(['CountryCode']);
  const country = countryEl ? countryCode(countryEl.text) : undefined;
  if (country) c.set('countries', [country]);
  const languageEl = take(['LanguageCode', 'Language']);
  if (languageEl?.text) {
    const name = HR_LANGUAGE_CODES[languageEl.text.toLowerCase().slice(0, 2)] ?? languageEl.text;
    c.set('languages', [name]);
  }
  for (const { path, element } of leaves(root)) {
    if (!consumed.has(element) && element.text) c.unmappedValue(path, 'No draft field for this HR-XML element.', element.text);
  }
  fillFromDescription(c);
  return c.result('hr_xml');
}
