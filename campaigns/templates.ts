// A campaign's own templates, one per language (Mustache, as the platform's fixed templates):
// checked when the campaign is created, rendered when each message is sent.
import Mustache from 'mustache';
import { RESERVED_VARIABLES } from '../communications/templates.js';
import type { PrismaClient } from '../platform/db.js';

export interface CampaignTemplate {
  subject: string;
  text: string;
}

/** What the system fills in from records at send time: the recipient's first name and the sender's name. */
export const SYSTEM_VARIABLES = ['firstName', 'senderName'] as const;

/** The problems of one template part: a tag Mustache cannot parse, a section or partial, or a name nobody supplies. */
export function templateProblems(source: string, variables: Record<string, string>): string[] {
  let tokens: unknown[];
  try {
    tokens = Mustache.parse(source);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  for (const token of tokens as [string, string][]) {
    const [kind, name] = token;
    if (kind === 'text') continue;
    if (kind !== 'name' && kind !== '&') {
      problems.push(`{{${kind}${name}}}: only plain {{names}}, no sections or partials`);
    } else if (!(SYSTEM_VARIABLES as readonly string[]).includes(name) && !(name in variables)) {
      problems.push(`{{${name}}} is neither ${SYSTEM_VARIABLES.map((v) => `{{${v}}}`).join(' nor ')} nor one of the campaign's variables`);
    }
  }
  return problems;
}

/** Names a campaign's variables may not have: the system's (addresses, signed links, the recipient's records). */
export const reservedVariableNames = (variables: Record<string, string>) =>
  Object.keys(variables).filter((name) => (RESERVED_VARIABLES as readonly string[]).includes(name));

/** A campaign message's template id: the campaign and the language it is written in. */
export const campaignTemplateId = (campaignId: string, language: string) => `campaign:${campaignId}:${language}`;

/** The campaign and language of a campaign message's template id; null for the platform's own templates. */
export function parseCampaignTemplateId(templateId: string): { campaignId: string; language: string } | null {
  const m = /^campaign:([0-9a-f-]{36}):([a-z]{2})$/.exec(templateId);
  return m ? { campaignId: m[1]!, language: m[2]! } : null;
}

/** Loads a campaign's template for sending (cached: a campaign's templates never change once it is created). */
export function campaignTemplates(db: PrismaClient) {
  const cache = new Map<string, { templates: Record<string, CampaignTemplate>; variables: Record<string, string>; defaultLanguage: string }>();
  return async (campaignId: string, language: string): Promise<{ template: CampaignTemplate; variables: Record<string, string> }> => {
    let campaign = cache.get(campaignId);
    if (!campaign) {
      const row = await db.campaign.findUniqueOrThrow({ where: { id: campaignId }, select: { templates: true, variables: true, defaultLanguage: true } });
      campaign = { templates: row.templates as unknown as Record<string, CampaignTemplate>, variables: row.variables as Record<string, string>, defaultLanguage: row.defaultLanguage };
      if (cache.size > 1_000) cache.clear();
      cache.set(campaignId, campaign);
    }
    return { template: campaign.templates[language] ?? campaign.templates[campaign.defaultLanguage]!, variables: campaign.variables };
  };
}

export function renderCampaignMessage(template: CampaignTemplate, values: Record<string, string>): { subject: string; text: string } {
  const render = (text: string) => Mustache.render(text, values, {}, { escape: (v: string) => v });
  return { subject: render(template.subject), text: render(template.text) };
}
