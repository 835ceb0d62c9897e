// What the customer's own page says, in German and English. Written out here (a page of fixed
// texts): the per-brand texts and their other languages are the brands' work (issue 34, brands).

export const PAGE_LANGUAGES = ['en', 'de'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

/** Countries whose customers read the page in German unless they chose otherwise. */
const GERMAN_SPEAKING = new Set(['DE', 'AT', 'CH', 'LI', 'LU']);

/** The page's language: the one chosen (a link on the page), else the customer's own, else their country's, else English. */
export function pageLanguage(chosen: string | undefined, customer?: { language: string | null; country: string | null } | null, acceptLanguage?: string): PageLanguage {
  if (chosen === 'de' || chosen === 'en') return chosen;
  if (customer?.language === 'de' || customer?.language === 'en') return customer.language;
  if (customer?.country) return GERMAN_SPEAKING.has(customer.country.toUpperCase()) ? 'de' : 'en';
  return acceptLanguage && /^\s*de\b/i.test(acceptLanguage) ? 'de' : 'en';
}

const en = {
  title: 'Your data and preferences',
  requestIntro: 'Type the e-mail address you gave us. We send a link to it that opens your page: what we hold about you, your dealer, how we may contact you.',
  email: 'Your e-mail address',
  sendLink: 'Send me the link',
  linkSentTitle: 'Check your inbox',
  linkSent: 'If we know this address, a link to your page is on its way. It works for 60 minutes.',
  expiredTitle: 'This link has expired',
  expired: 'Ask for a new link: it takes a minute.',
  invalidTitle: 'This link is not valid',
  invalid: 'The link may have been changed or cut off. Use it exactly as it is in the message, or ask for a new one.',
  askAgain: 'Ask for a new link',
  goneTitle: 'Nothing held any more',
  gone: 'We hold no personal data about you any more.',
  hello: 'Hello',
  yourDealer: 'Your dealer',
  noDealer: 'No dealer looks after you at the moment; the manufacturer does.',
  whatWeHold: 'What we hold about you',
  firstName: 'First name', lastName: 'Last name', phone: 'Phone', street: 'Street', postalCode: 'Postal code', city: 'City', country: 'Country',
  correct: 'Correct your details',
  save: 'Save',
  saved: 'Saved.',
  emailChange: 'To change your e-mail address, contact us: it is how we know it is you.',
  contactTitle: 'How we may contact you',
  contactIntro: 'Tick what you agree to. Safety recalls and messages about your orders reach you whatever you choose.',
  purposes: { MARKETING: 'News, offers and service reminders', SALES_CONTACT: 'Follow-ups about an inquiry of yours' },
  channels: { EMAIL: 'E-mail', SMS: 'Text message', PHONE: 'Phone call', POST: 'Letter' },
  awaiting: 'waiting for your confirmation (see the link we sent)',
  saveChoices: 'Save my choices',
  choicesSaved: 'Your choices are saved.',
  vehicles: 'Your vehicles',
  download: 'Your data',
  downloadLink: 'Download everything we hold about you (JSON)',
  eraseTitle: 'Erase your data',
  eraseIntro: 'We erase your personal data; what the law makes us keep stays, without your name. We send a link to your e-mail address to confirm.',
  eraseButton: 'Erase my data…',
  eraseSent: 'We sent a link to your e-mail address: the erasure happens when you confirm there (within 24 hours).',
  eraseConfirmTitle: 'Erase your personal data?',
  eraseConfirm: 'This cannot be undone. Your dealer will no longer see your details, and we will send you nothing more.',
  eraseConfirmButton: 'Yes, erase my data',
  erasedTitle: 'Your data is erased',
  erased: 'We hold no personal data about you any more.',
  linkValidUntil: 'This page works until',
  otherLanguage: 'Deutsch',
  unavailableTitle: 'Please try again in a moment',
  unavailable: 'We could not save this just now. Nothing was changed; send it again in a moment.',
  checkTitle: 'Please check',
  tooMany: 'Too many attempts: try again in a few minutes.',
};
type Texts = typeof en;

const de: Texts = {
  title: 'Ihre Daten und Einstellungen',
  requestIntro: 'Geben Sie die E-Mail-Adresse ein, die Sie uns genannt haben. Wir senden einen Link dorthin, der Ihre Seite öffnet: was wir über Sie gespeichert haben, Ihr Autohaus, wie wir Sie kontaktieren dürfen.',
  email: 'Ihre E-Mail-Adresse',
  sendLink: 'Link senden',
  linkSentTitle: 'Sehen Sie in Ihr Postfach',
  linkSent: 'Wenn wir diese Adresse kennen, ist ein Link zu Ihrer Seite unterwegs. Er gilt 60 Minuten.',
  expiredTitle: 'Dieser Link ist abgelaufen',
  expired: 'Fordern Sie einen neuen Link an: Das dauert eine Minute.',
  invalidTitle: 'Dieser Link ist ungültig',
  invalid: 'Der Link wurde vielleicht verändert oder abgeschnitten. Verwenden Sie ihn genau wie in der Nachricht oder fordern Sie einen neuen an.',
  askAgain: 'Neuen Link anfordern',
  goneTitle: 'Keine Daten mehr gespeichert',
  gone: 'Wir speichern keine personenbezogenen Daten mehr über Sie.',
  hello: 'Hallo',
  yourDealer: 'Ihr Autohaus',
  noDealer: 'Zurzeit betreut Sie kein Autohaus, sondern der Hersteller.',
  whatWeHold: 'Was wir über Sie gespeichert haben',
  firstName: 'Vorname', lastName: 'Nachname', phone: 'Telefon', street: 'Straße', postalCode: 'Postleitzahl', city: 'Ort', country: 'Land',
  correct: 'Ihre Angaben berichtigen',
  save: 'Speichern',
  saved: 'Gespeichert.',
  emailChange: 'Um Ihre E-Mail-Adresse zu ändern, kontaktieren Sie uns: Daran erkennen wir, dass Sie es sind.',
  contactTitle: 'Wie wir Sie kontaktieren dürfen',
  contactIntro: 'Kreuzen Sie an, womit Sie einverstanden sind. Sicherheitsrückrufe und Nachrichten zu Ihren Aufträgen erreichen Sie in jedem Fall.',
  purposes: { MARKETING: 'Neuigkeiten, Angebote und Service-Erinnerungen', SALES_CONTACT: 'Rückfragen zu Ihrer Anfrage' },
  channels: { EMAIL: 'E-Mail', SMS: 'SMS', PHONE: 'Anruf', POST: 'Brief' },
  awaiting: 'wartet auf Ihre Bestätigung (siehe den Link, den wir gesendet haben)',
  saveChoices: 'Auswahl speichern',
  choicesSaved: 'Ihre Auswahl ist gespeichert.',
  vehicles: 'Ihre Fahrzeuge',
  download: 'Ihre Daten',
  downloadLink: 'Alles herunterladen, was wir über Sie gespeichert haben (JSON)',
  eraseTitle: 'Ihre Daten löschen',
  eraseIntro: 'Wir löschen Ihre personenbezogenen Daten; was wir gesetzlich aufbewahren müssen, bleibt ohne Ihren Namen. Zur Bestätigung senden wir einen Link an Ihre E-Mail-Adresse.',
  eraseButton: 'Meine Daten löschen…',
  eraseSent: 'Wir haben einen Link an Ihre E-Mail-Adresse gesendet: Gelöscht wird, wenn Sie dort bestätigen (innerhalb von 24 Stunden).',
  eraseConfirmTitle: 'Ihre personenbezogenen Daten löschen?',
  eraseConfirm: 'Das lässt sich nicht rückgängig machen. Ihr Autohaus sieht Ihre Angaben nicht mehr, und wir senden Ihnen nichts mehr.',
  eraseConfirmButton: 'Ja, meine Daten löschen',
  erasedTitle: 'Ihre Daten sind gelöscht',
  erased: 'Wir speichern keine personenbezogenen Daten mehr über Sie.',
  linkValidUntil: 'Diese Seite gilt bis',
  otherLanguage: 'English',
  unavailableTitle: 'Bitte versuchen Sie es gleich noch einmal',
  unavailable: 'Das konnten wir gerade nicht speichern. Es wurde nichts geändert; senden Sie es gleich noch einmal.',
  checkTitle: 'Bitte prüfen',
  tooMany: 'Zu viele Versuche: Versuchen Sie es in ein paar Minuten noch einmal.',
};

export const TEXTS: Record<PageLanguage, Texts> = { en, de };
