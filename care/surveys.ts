// A survey answered on its one-question page: kept outside the journey's history (survey_answer,
// one per survey message; answering again replaces the score), and followed up by its outcome
// (domain/surveys.ts): a detractor opens a restitution case with the dealer the survey was about
// — the journey's own complaint, so the dealer gets its task and the OEM its backstop — or, when
// that dealer no longer has the customer, a task for the OEM's customer care. Once per survey.
import type { Client } from '@temporalio/client';
import { outcomeOf, restitutionCaseId, type SurveyOutcome } from '../domain/surveys.js';
import type { PrismaClient } from '../platform/db.js';
import { callJourneyUpdate } from '../platform/journey-updates.js';
import { JOURNEY_ACTIONS } from '../workflows/definitions.js';

/** How long the OEM's care has for a restitution case no dealer can take. */
const OEM_RESTITUTION_DAYS = 2;

/** The journey did not answer: the answer is kept, the case not yet opened (the same answer again opens it). */
export class RestitutionPending extends Error {}

export interface SurveyAnswerInput {
  communicationId: string;
  customerId: string;
  score: number;
  comment: string | null;
}

export function surveyAnswers({ db, temporal }: { db: PrismaClient; temporal: Client }) {
  return {
    /** The survey a link names, if it is one of this customer's: the dealer it is about. */
    async survey(communicationId: string, customerId: string) {
      const message = await db.communication.findUnique({ where: { id: communicationId } });
      if (!message || message.customerId !== customerId || message.purpose !== 'SURVEY') return null;
      const dealerId = message.onBehalfOf ?? message.senderDealerId;
      const [dealer, answer] = await Promise.all([
        dealerId ? db.dealer.findUnique({ where: { id: dealerId }, select: { name: true } }) : null,
        db.surveyAnswer.findUnique({ where: { communicationId } }),
      ]);
      return { message, dealerId, dealerName: dealer?.name ?? null, answer };
    },

    /** Keeps the answer and opens what it calls for; null when the link names no survey of this customer. */
    async answer(input: SurveyAnswerInput): Promise<{ outcome: SurveyOutcome; caseId: string | null } | null> {
      const survey = await this.survey(input.communicationId, input.customerId);
      if (!survey) return null;
      const { message, dealerId } = survey;
      await db.surveyAnswer.upsert({
        where: { communicationId: input.communicationId },
        create: {
          communicationId: input.communicationId, customerId: input.customerId, journeyId: message.journeyId, dealerId, leadId: message.leadId,
          score: input.score, comment: input.comment,
        },
        update: { score: input.score, comment: input.comment, answeredAt: new Date() },
      });
      const outcome = outcomeOf(input.score);
      if (outcome !== 'DETRACTOR') return { outcome, caseId: survey.answer?.caseId ?? null };
      if (survey.answer?.caseId) return { outcome, caseId: survey.answer.caseId };
      const caseId = await openRestitution(message.journeyId, input.communicationId, dealerId, input.score);
      await db.surveyAnswer.update({ where: { communicationId: input.communicationId }, data: { caseId } });
      return { outcome, caseId };
    },
  };

  /** The dealer's complaint when it still has the customer; otherwise the OEM's own task. */
  async function openRestitution(journeyId: string, communicationId: string, dealerId: string | null, score: number): Promise<string> {
    const complaintId = restitutionCaseId(communicationId);
    if (dealerId) {
      const outcome = await callJourneyUpdate(temporal, journeyId, JOURNEY_ACTIONS.openComplaint.update, { dealerId, complaintId }, `restitution:${communicationId}`);
      if (outcome.kind === 'answered') return complaintId;
      if (outcome.kind === 'unavailable') throw new RestitutionPending();
    }
    const key = `restitution:${communicationId}`;
    await db.journeyTask.createMany({
      data: [{
        key, journeyId, assignee: 'OEM', kind: 'RESTITUTION',
        detail: `survey answered ${score} of 10 about ${dealerId ?? 'the OEM'}${dealerId ? ' (no longer their dealer, or a complaint is open)' : ''}`,
        dueAt: new Date(Date.now() + OEM_RESTITUTION_DAYS * 86_400_000),
      }],
      skipDuplicates: true,
    });
    return key;
  }
}
export type SurveyAnswers = ReturnType<typeof surveyAnswers>;
