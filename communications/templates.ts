// The message templates senders refer to by id. Mustache: {{firstName}} comes from the
// customer record at send time; other {{names}} from the request's variables.
import Mustache from 'mustache';

export interface MessageTemplate {
  subject: string;
  text: string;
  /** Variables the request must supply (the customer's own details never are). */
  variables: readonly string[];
  /** Sent by the journey itself only; not for API callers (its link is a signed capability). */
  journeyOnly?: true;
}

export const TEMPLATES: Record<string, MessageTemplate> = {
  'model-launch': {
    subject: 'The new {{model}} is here',
    text: 'Hello {{firstName}},\n\nthe new {{model}} has arrived. {{offer}}\n\nYour {{senderName}} team',
    variables: ['model', 'offer'],
  },
  'fleet-renewal': {
    subject: 'Renewing your fleet: {{model}}',
    text: 'Hello {{firstName}},\n\nyour fleet is due for renewal. {{offer}}\n\nYour {{senderName}} fleet desk',
    variables: ['model', 'offer'],
  },
  'sales-follow-up': {
    subject: 'Your {{model}} test drive',
    text: 'Hello {{firstName}},\n\nthank you for visiting us. May we arrange a test drive of the {{model}}?\n\n{{senderName}}',
    variables: ['model'],
  },
  'service-reminder': {
    subject: 'Time for your {{model}} service',
    text: 'Hello {{firstName}},\n\nyour {{model}} is due for its service. Book a slot: {{bookingUrl}}\n\n{{senderName}}',
    variables: ['model', 'bookingUrl'],
  },
  'satisfaction-survey': {
    subject: 'How did we do?',
    text: 'Hello {{firstName}},\n\nplease tell us about your experience: {{surveyUrl}}\n\n{{senderName}}',
    variables: ['surveyUrl'],
  },
  'appointment-confirmation': {
    subject: 'Your appointment on {{date}}',
    text: 'Hello {{firstName}},\n\nwe look forward to seeing you on {{date}}.\n\n{{senderName}}',
    variables: ['date'],
  },
  'consent-confirmation': {
    subject: 'Please confirm: news from {{senderName}} by e-mail',
    text: 'Hello {{firstName}},\n\nyou asked to hear from us by e-mail about offers and news. Please confirm with this link:\n{{confirmUrl}}\n\nIf it was not you, ignore this message: without your confirmation we will not send you advertising.\n\n{{senderName}}',
    variables: ['confirmUrl'],
    journeyOnly: true,
  },
  'phone-consent-confirmation': {
    subject: 'Confirm',
    text: '{{senderName}}: you asked for offers and news by text or phone. Confirm it is your number: {{confirmUrl}} (not you? ignore this)',
    variables: ['confirmUrl'],
    journeyOnly: true,
  },
  // The customer's own page (issue 34): asked for on its request form, sent to the address typed
  // there when it is one of ours. The links are signed and expire (consent/links.ts).
  'my-page-link': {
    subject: 'Your link to your data and preferences',
    text: 'Hello {{firstName}},\n\nhere is the link to see your data, change how we may contact you, and more:\n{{myPageUrl}}\n\nIt works for 60 minutes. If you did not ask for it, ignore this message.\n\n{{senderName}}',
    variables: ['myPageUrl'],
    journeyOnly: true,
  },
  'my-page-link-de': {
    subject: 'Ihr Link zu Ihren Daten und Einstellungen',
    text: 'Hallo {{firstName}},\n\nhier ist der Link zu Ihren Daten und dazu, wie wir Sie kontaktieren dürfen:\n{{myPageUrl}}\n\nEr gilt 60 Minuten. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese Nachricht.\n\n{{senderName}}',
    variables: ['myPageUrl'],
    journeyOnly: true,
  },
  'my-erasure-link': {
    subject: 'Please confirm: erase your data',
    text: 'Hello {{firstName}},\n\nyou asked us to erase your personal data. Confirm it with this link (it works for 24 hours):\n{{erasureUrl}}\n\nIf you did not ask for it, ignore this message: nothing is erased without your confirmation.\n\n{{senderName}}',
    variables: ['erasureUrl'],
    journeyOnly: true,
  },
  'my-erasure-link-de': {
    subject: 'Bitte bestätigen: Ihre Daten löschen',
    text: 'Hallo {{firstName}},\n\nSie haben uns gebeten, Ihre personenbezogenen Daten zu löschen. Bestätigen Sie es mit diesem Link (er gilt 24 Stunden):\n{{erasureUrl}}\n\nWenn Sie das nicht waren, ignorieren Sie diese Nachricht: Ohne Ihre Bestätigung wird nichts gelöscht.\n\n{{senderName}}',
    variables: ['erasureUrl'],
    journeyOnly: true,
  },
  'recall-notice': {
    subject: 'Important safety recall {{recallCode}}',
    text: 'Hello {{firstName}},\n\nyour vehicle is affected by recall {{recallCode}}. The repair is free of charge.\n\n{{senderName}}',
    variables: ['recallCode'],
  },
};

/**
 * Names the system fills in or acts on, never a caller: the recipient's name and the sender's
 * (from records), the car (`vin`: an address), and the signed links. A request naming one is refused.
 */
export const RESERVED_VARIABLES = ['firstName', 'lastName', 'senderName', 'vin', 'email', 'phone', 'to', 'confirmUrl', 'unsubscribeUrl', 'myPageUrl', 'erasureUrl'] as const;

/** Templates only the OEM may send: a safety recall in a dealer's name would be a forgery. */
export const OEM_ONLY_TEMPLATES: readonly string[] = ['recall-notice'];

/** The templates API callers may ask for. */
export const REQUESTABLE_TEMPLATES = Object.fromEntries(Object.entries(TEMPLATES).filter(([, t]) => !t.journeyOnly));

/** Variables the template needs and the request lacks. */
export function missingVariables(templateId: string, variables: Record<string, string>): string[] {
  return (TEMPLATES[templateId]?.variables ?? []).filter((name) => !variables[name]);
}

export function renderMessage(templateId: string, values: Record<string, string>, words?: { subject: string; text: string }): { subject: string; text: string } {
  const template = words ?? TEMPLATES[templateId];
  if (!template) throw new Error(`no template ${templateId}`);
  // Plain text: no HTML escaping of names like "Müller & Söhne".
  const render = (text: string) => Mustache.render(text, values, {}, { escape: (v: string) => v });
  return { subject: render(template.subject), text: render(template.text) };
}

/**
 * Why a brand's own words for a template cannot be used, or null: a sentence of Mustache that does
 * not parse, or names what the template does not have (its variables, the recipient's first name,
 * the sender's name), or a section (`{{#…}}`: brands write texts, not logic).
 */
export function brandTemplateProblem(templateId: string, words: string): string | null {
  const template = TEMPLATES[templateId];
  if (!template) return `no template ${templateId}`;
  let tokens: unknown[];
  try {
    tokens = Mustache.parse(words) as unknown[];
  } catch (error) {
    return `does not parse: ${(error as Error).message}`;
  }
  const allowed = new Set([...template.variables, 'firstName', 'senderName']);
  for (const token of tokens as [string, string][]) {
    const [kind, name] = token;
    if (kind === 'name' || kind === '&') {
      if (!allowed.has(name)) return `{{${name}}} is not a name of template ${templateId} (${[...allowed].join(', ')})`;
    } else if (kind !== 'text') return 'only plain {{names}}: no sections, partials or comments';
  }
  return null;
}
