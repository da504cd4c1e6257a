/**
 * HTML made from report data. Every name in a report (scenario, node, room, device, a finding's
 * detail) comes from a scenario file, a cluster or a client, so none is trusted: the `html` tag
 * escapes every value put into it, and only a fragment it made itself (or `raw`, for text this
 * code wrote) goes in as markup.
 */

/** Markup that is safe to put into a page as it is. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A value put into markup: fragments as they are, lists joined, null and undefined as nothing, anything else escaped. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** A fragment of markup whose every interpolated value is escaped (see HtmlValue). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let text = strings[0]!;
  values.forEach((value, i) => (text += render(value) + strings[i + 1]!));
  return new SafeHtml(text);
}

/** Markup written by this code (a stylesheet, a script), never by a report. */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}

/**
 * Data for a `<script type="application/json">` block: JSON whose `<`, `>` and `&` are escaped
 * as \u003c..., so no string in it can close the script element or open a comment; U+2028 and
 * U+2029 likewise, as older parsers took them for line ends.
 */
export function jsonForScript(value: unknown): SafeHtml {
  const text = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return new SafeHtml(text);
}

/**
 * A script's own text, inlined: minified code may hold `</script` in a string or a regular
 * expression, which would end the element early; `<\/script` means the same to JavaScript.
 */
export function inlineScript(code: string): SafeHtml {
  return new SafeHtml(code.replace(/<\/(script)/gi, '<\\/$1'));
}

export function inlineStyle(css: string): SafeHtml {
  return new SafeHtml(css.replace(/<\/(style)/gi, '<\\/$1'));
}
