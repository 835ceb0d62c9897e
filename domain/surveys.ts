/**
 * A survey's one question, "how likely are you to recommend us" (0–10), and what follows from
 * the answer: a promoter (9–10) is asked to refer a friend; a detractor (0–6) gets a restitution
 * case with the dealer the survey was about (the complaint path: the dealer's task, the OEM's
 * backstop). Pure.
 */
export const PROMOTER_SCORE = 9;
export const DETRACTOR_SCORE = 6;
export const MAX_SURVEY_COMMENT = 2_000;

export type SurveyOutcome = 'PROMOTER' | 'PASSIVE' | 'DETRACTOR';

export function outcomeOf(score: number): SurveyOutcome {
  return score >= PROMOTER_SCORE ? 'PROMOTER' : score <= DETRACTOR_SCORE ? 'DETRACTOR' : 'PASSIVE';
}

/** The NPS: promoters' share minus detractors', in points (−100…100, whole); null without answers. */
export function netPromoterScore({ answers, promoters, detractors }: { answers: number; promoters: number; detractors: number }): number | null {
  return answers > 0 ? Math.round(((promoters - detractors) / answers) * 100) : null;
}

/** The restitution case a detractor's answer opens: a complaint id from the survey message (one per survey). */
export const restitutionCaseId = (communicationId: string) => `survey-${communicationId}`;
