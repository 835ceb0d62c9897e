// What a journey writes about a transition, as plain data: the pure mapping from the rules'
// effects to the records (the ledger, hand-offs, sales, tasks, stage changes, after-sales, the
// decisions on messages), and what the workflow must do besides (send, score, route, ask for a
// consent's confirmation, erase). The workflow writes the records in one local activity.
import type { JourneyStage, JourneyState, Vehicle } from './journey.js';
import type { AftersalesKind, JourneyEffect, Owner, Transition } from './journey-events.js';
import type { CommunicationDecision } from './messages.js';

// Each record carries a key derived from the journey's revision, so an activity
// retried after a lost acknowledgement writes its row once.

export interface OwnershipChangeRecord {
  key: string;
  journeyId: string;
  customerId: string;
  from: Owner | null;
  to: Owner;
  reason: string;
  actor: string;
  at: string;
}

export interface HandoffEventRecord {
  key: string;
  journeyId: string;
  dealerId: string;
  kind: 'OFFERED' | 'ACCEPTED' | 'DECLINED' | 'TIMED_OUT';
  reason: string | null;
  at: string;
}

export interface SaleRecord {
  key: string;
  journeyId: string;
  customerId: string;
  dealerId: string;
  vehicle: Vehicle;
  /** A company's car: the person who drives it (its in-car messages are theirs). */
  driverId?: string;
  /** A vehicle from the OEM's records (onboarding), not a sale made now. */
  imported?: true;
  at: string;
}

export interface JourneyTaskRecord {
  key: string;
  journeyId: string;
  /** 'OEM' or a dealer id. */
  assignee: string;
  kind: string;
  detail: string | null;
  /** When it is due. */
  at: string;
}

/** A change of stage, and the dealer the journey is with after it (none while the OEM has it). */
export interface StageChangeRecord {
  key: string;
  journeyId: string;
  customerId: string;
  from: JourneyStage | null;
  to: JourneyStage;
  dealerId: string | null;
  at: string;
}

/** A service visit or complaint the customer's dealer recorded; `ref` is the dealer's own id. */
export interface AftersalesRecord {
  key: string;
  journeyId: string;
  customerId: string;
  dealerId: string;
  kind: AftersalesKind;
  ref: string;
  at: string;
}

/** A transition's ledger, hand-off, sale, task, stage and after-sales rows, written on the caller's connection (alone or in a transaction). */
export interface JourneyRecords {
  ownershipChanges?: OwnershipChangeRecord[];
  handoffEvents?: HandoffEventRecord[];
  sales?: SaleRecord[];
  tasks?: JourneyTaskRecord[];
  stageChanges?: StageChangeRecord[];
  aftersales?: AftersalesRecord[];
}

/** The journey's decision on a message, for the communication log. */
export interface CommunicationDecisionRecord {
  key: string;
  communicationId: string;
  decision: CommunicationDecision;
  at: string;
  /** A company's journey: the person the journey decided it for (the decision-maker when the sender named no one). */
  recipientId?: string;
}

/** A transition's records, and the read model's row when it changed. */
export interface TransitionRecordSet extends JourneyRecords {
  journey?: JourneyState;
  decisions?: CommunicationDecisionRecord[];
}

/** An allowed message for the send loop. */
export interface PendingSend {
  communicationId: string;
  onBehalfOf: string | null;
  recipientId?: string;
}

/** Effects the workflow acts on after the records are written, in order. */
export type FollowUp = Extract<JourneyEffect, { type: 'SCORE_LEADS' | 'ROUTE_HANDOFF' | 'CONSENT_CONFIRMATION_DUE' | 'CUSTOMER_MESSAGE_DUE' }>;

/** What a transition asks of the workflow. */
export interface TransitionWork {
  records: TransitionRecordSet;
  followUps: FollowUp[];
  sends: PendingSend[];
  /** Erase the customer's personal data. */
  erase: boolean;
  /** The customer is back in market: a chapter ends, the next run starts fresh. */
  chapterEnded: boolean;
}

/**
 * The records and the work of one transition. Each record's key is the journey's revision and
 * the effect's place in the transition, so a retried write finds what it wrote.
 */
export function workOf(transition: Transition, journeyId: string): TransitionWork {
  const { state } = transition;
  const at = state.updatedAt;
  const { customerId } = state;
  const recordKey = `${journeyId}:${state.revision}`;
  const work: TransitionWork = { records: {}, followUps: [], sends: [], erase: false, chapterEnded: false };
  const r = work.records;
  for (const [index, effect] of transition.effects.entries()) {
    const key = `${recordKey}:${index}`;
    switch (effect.type) {
      case 'READ_MODEL_CHANGED':
        r.journey = state;
        break;
      case 'OWNER_CHANGED':
        (r.ownershipChanges ??= []).push({ key, journeyId, customerId, from: effect.from, to: effect.to, reason: effect.reason, actor: effect.actor, at });
        break;
      case 'HANDOFF_RECORDED':
        (r.handoffEvents ??= []).push({ key, journeyId, dealerId: effect.dealerId, kind: effect.kind, reason: effect.reason ?? null, at });
        break;
      case 'SALE_RECORDED':
        (r.sales ??= []).push({ key, journeyId, customerId, dealerId: effect.dealerId, vehicle: effect.vehicle, ...(effect.driverId ? { driverId: effect.driverId } : {}), ...(effect.imported ? { imported: true as const } : {}), at });
        break;
      case 'ESCALATED':
        (r.tasks ??= []).push({ key, journeyId, assignee: 'OEM', kind: 'ESCALATION', detail: effect.reason, at });
        break;
      case 'AFTERSALES_RECORDED':
        (r.aftersales ??= []).push({ key, journeyId, customerId, dealerId: effect.dealerId, kind: effect.kind, ref: effect.ref, at });
        break;
      case 'DEALER_TASK':
        (r.tasks ??= []).push({ key, journeyId, assignee: effect.dealerId, kind: effect.task, detail: effect.detail ?? null, at: effect.dueAt ?? at });
        break;
      case 'CUSTOMER_MESSAGE_DUE':
        (r.tasks ??= []).push({ key, journeyId, assignee: effect.dealerId ?? 'OEM', kind: effect.purpose, detail: effect.kind ?? null, at });
        work.followUps.push(effect);
        break;
      case 'COMMUNICATION_DECIDED':
        (r.decisions ??= []).push({ key, communicationId: effect.communicationId, decision: effect.decision, at, ...(effect.recipientId ? { recipientId: effect.recipientId } : {}) });
        break;
      case 'SEND_COMMUNICATION':
        work.sends.push({ communicationId: effect.communicationId, onBehalfOf: effect.onBehalfOf, ...(effect.recipientId ? { recipientId: effect.recipientId } : {}) });
        break;
      case 'ERASE_PERSONAL_DATA':
        work.erase = true;
        break;
      case 'SCORE_LEADS':
      case 'ROUTE_HANDOFF':
      case 'CONSENT_CONFIRMATION_DUE':
        work.followUps.push(effect);
        break;
      case 'STAGE_CHANGED':
        if (effect.from === 'DEALER_OWNED' && effect.to === 'HANDED_OFF') work.chapterEnded = true;
        (r.stageChanges ??= []).push({ key, journeyId, customerId, from: effect.from, to: effect.to, dealerId: state.dealerId, at });
        break;
    }
  }
  return work;
}
