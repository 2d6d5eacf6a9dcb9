/**
 * Text for XML and HTML: the five special characters escaped, and every character XML does
 * not allow (control characters, lone surrogates, U+FFFE/U+FFFF) replaced by U+FFFD, so that
 * no name, title or note can break the document or run script.
 */
// eslint-disable-next-line no-control-regex
const INVALID =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function xmlEscape(text: string): string {
  return text.replace(INVALID, '\ufffd').replace(SPECIAL, (c) => ENTITY[c]);
}
