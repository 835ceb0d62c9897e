/**
 * Brands: the name customers know, who a message is from, its legal footer, and the message texts
 * per language (issue 34). Which brand speaks to a customer, in which language, and with which
 * words — falling back to the brand's default language (reported as a missing translation), then
 * to the platform's built-in English text. Pure.
 */

export interface BrandTexts {
  legalFooter?: string;
  /** Per message template id: the brand's own subject and text (Mustache, the template's variables). */
  templates?: Record<string, { subject: string; text: string }>;
}

export interface Brand {
  brandId: string;
  name: string;
  defaultLanguage: string;
  senderName: string;
  senderAddress: string;
  isDefault: boolean;
  /** Per language (ISO 639-1). */
  texts: Record<string, BrandTexts>;
}

/** The language of a country's customers when their records name none (the common cases; else the brand's default). */
const COUNTRY_LANGUAGES: Record<string, string> = {
  DE: 'de', AT: 'de', CH: 'de', LI: 'de', LU: 'de', FR: 'fr', BE: 'fr', IT: 'it', ES: 'es', PT: 'pt', NL: 'nl', PL: 'pl', CZ: 'cs',
  DK: 'da', SE: 'sv', NO: 'no', FI: 'fi', GB: 'en', IE: 'en', US: 'en', CA: 'en', AU: 'en',
};

/** A customer's language: their own, else their country's, else the brand's. */
export function languageOf(customer: { language: string | null; country: string | null }, brand: Pick<Brand, 'defaultLanguage'> | null): string {
  return customer.language ?? (customer.country ? COUNTRY_LANGUAGES[customer.country.toUpperCase()] : undefined) ?? brand?.defaultLanguage ?? 'en';
}

/** The brand that speaks to a customer: their dealer's (the first of its brands that has a record), else the default brand; null without brands. */
export function brandOf(brands: readonly Brand[], dealerBrands: readonly string[] | null | undefined): Brand | null {
  for (const id of dealerBrands ?? []) {
    const brand = brands.find((b) => b.brandId === id);
    if (brand) return brand;
  }
  return brands.find((b) => b.isDefault) ?? null;
}

export interface ResolvedText<T> {
  value: T;
  /** The language the words are in (the brand's default when the customer's is missing; 'en' for the built-in text). */
  language: string;
  /** The customer's language had no translation: it was filled from another language. */
  fellBack: boolean;
}

/** A template's words for the customer: the brand's in their language, else in the brand's default language, else the built-in. */
export function templateText(
  brand: Brand | null, language: string, templateId: string, builtIn: { subject: string; text: string },
): ResolvedText<{ subject: string; text: string }> {
  const own = brand?.texts[language]?.templates?.[templateId];
  if (own) return { value: own, language, fellBack: false };
  const fallback = brand ? brand.texts[brand.defaultLanguage]?.templates?.[templateId] : undefined;
  if (fallback) return { value: fallback, language: brand!.defaultLanguage, fellBack: true };
  return { value: builtIn, language: 'en', fellBack: language !== 'en' };
}

/** The brand's legal footer in the customer's language, else its default language's; null when it has none. */
export function legalFooterOf(brand: Brand | null, language: string): ResolvedText<string> | null {
  if (!brand) return null;
  const own = brand.texts[language]?.legalFooter;
  if (own) return { value: own, language, fellBack: false };
  const fallback = brand.texts[brand.defaultLanguage]?.legalFooter;
  return fallback ? { value: fallback, language: brand.defaultLanguage, fellBack: true } : null;
}

/**
 * What a brand's languages lack against its default language (the report the OEM works from): every
 * footer and template text the default language has and another language of the brand does not.
 */
export function missingTranslations(brand: Brand): { language: string; key: string }[] {
  const base = brand.texts[brand.defaultLanguage] ?? {};
  const keys = [...(base.legalFooter ? ['legalFooter'] : []), ...Object.keys(base.templates ?? {}).sort().map((id) => `templates.${id}`)];
  const missing: { language: string; key: string }[] = [];
  for (const language of Object.keys(brand.texts).filter((l) => l !== brand.defaultLanguage).sort()) {
    const texts = brand.texts[language]!;
    for (const key of keys) {
      const has = key === 'legalFooter' ? Boolean(texts.legalFooter) : Boolean(texts.templates?.[key.slice('templates.'.length)]);
      if (!has) missing.push({ language, key });
    }
  }
  return missing;
}
