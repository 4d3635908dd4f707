/**
 * A very small XML reader for job feeds (indeed_xml, hr_xml). It builds an element tree and
 * nothing more: no namespaces (prefixes are dropped), no DTDs, no entities beyond the five
 * predefined ones and numeric references. Enough to read a feed item reliably and to reject
 * text that is not well-formed instead of guessing.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Direct character data (text and CDATA) of this element, trimmed. */
  text: string;
}

export class XmlSyntaxError extends Error {}

const TOKEN = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/\s*([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/gy;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, ent: string) => {
    const lower = ent.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower] ?? '';
  });
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}

/** Parses a document and returns its root element; throws XmlSyntaxError when not well-formed. */
export function parseXml(source: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const rawText = new Map<XmlElement, string>();
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new XmlSyntaxError(`unexpected "<" at offset ${at}`);
    const current = stack[stack.length - 1]!;
    const [, cdata, closeName, openName, attrText, selfClose, text] = m;
    if (cdata !== undefined) {
      rawText.set(current, (rawText.get(current) ?? '') + cdata);
    } else if (text !== undefined) {
      rawText.set(current, (rawText.get(current) ?? '') + decodeEntities(text));
    } else if (closeName !== undefined) {
      if (stack.length === 1 || localName(closeName) !== current.name) {
        throw new XmlSyntaxError(`closing tag </${closeName}> does not match <${current.name}>`);
      }
      stack.pop();
    } else if (openName !== undefined) {
      const element: XmlElement = { name: localName(openName), attrs: {}, children: [], text: '' };
      for (const a of (attrText ?? '').matchAll(ATTR)) element.attrs[localName(a[1]!)] = decodeEntities(a[2] ?? a[3] ?? '');
      current.children.push(element);
      if (!selfClose) stack.push(element);
    }
  }
  if (stack.length > 1) throw new XmlSyntaxError(`element <${stack[stack.length - 1]!.name}> is never closed`);
  for (const [element, text] of rawText) element.text = text.trim();
  const top = root.children;
  if (top.length !== 1) throw new XmlSyntaxError('a document needs exactly one root element');
  return top[0]!;
}

/** Depth-first search for the first element whose name is one of `names` (case-insensitive). */
export function findElement(root: XmlElement, names: string[]): XmlElement | undefined {
  const wanted = names.map((n) => n.toLowerCase());
  const visit = (el: XmlElement): XmlElement | undefined => {
    if (wanted.includes(el.name.toLowerCase())) return el;
    for (const child of el.children) {
      const hit = visit(child);
      if (hit) return hit;
    }
    return undefined;
  };
  return visit(root);
}

/** All text inside an element, its descendants included (used for rich description blocks). */
export function deepText(el: XmlElement): string {
  return [el.text, ...el.children.map(deepText)].filter((t) => t !== '').join('\n').trim();
}

/** Every leaf element under `el` with its dotted path, for reporting what was not mapped. */
export function leaves(el: XmlElement, prefix = el.name): { path: string; element: XmlElement }[] {
  if (el.children.length === 0) return [{ path: prefix, element: el }];
  return el.children.flatMap((child) => leaves(child, `${prefix}.${child.name}`));
}
