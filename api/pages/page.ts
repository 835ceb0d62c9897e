// The few pages a person sees from the API itself (a link clicked in an e-mail): plain,
// readable on a phone, no script. Hand-written: three fixed texts do not need a template engine.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A form of one button: the page's action is taken by a person's click, never by opening the link. */
export interface PageButton {
  action: string;
  fields: Record<string, string>;
  label: string;
}

/** A whole HTML page with a heading, a paragraph and, when given, one button that POSTs. */
export function simplePage(title: string, message: string, button?: PageButton): string {
  const form = button
    ? `<form method="post" action="${escapeHtml(button.action)}">${Object.entries(button.fields)
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('')}<button type="submit">${escapeHtml(button.label)}</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${form}</main></body></html>
`;
}
