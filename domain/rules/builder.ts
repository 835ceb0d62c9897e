// What every rule of the journey works with: the builder that collects a transition's state
// changes and effects, the rule's context (the refusals it may use), and the shared constants.
import type { JourneyStage, JourneyState } from '../journey.js';
import type { JourneyEffect, JourneyEvent, JourneyEventType, EventOf, Owner, Transition } from '../journey-events.js';
import type { JourneyPolicy } from '../policy.js';

/** What a rule is given: the builder, the state before, its event, the policy, and the ways to refuse. */
export interface RuleContext<K extends JourneyEventType> {
  t: Builder;
  state: JourneyState;
  event: EventOf<K>;
  policy: JourneyPolicy;
  /** Refuses the event with the reason (TransitionRefused): nothing changes. */
  refuse(reason: string): never;
  requireStage(...stages: JourneyStage[]): void;
  /** The event's dealer must be the customer's assigned one. */
  requireDealer(dealerId: string): void;
}

/** One event's rule. */
export type Rule<K extends JourneyEventType> = (context: RuleContext<K>) => Transition;
/** Every event's rule: the compiler names an event that has none (domain/transitions.ts). */
export type RuleBook = { [K in JourneyEventType]: Rule<K> };

/** The actor on the ledger when the journey itself decides. */
export const SYSTEM = 'journey';

/** Visit and complaint ids a journey remembers, so a repeated one is taken once. */
export const REMEMBERED_REFS = 50;

/** A hand-off with no offer open (none made yet, or the last one declined or lapsed). */
export const NO_OFFER_YET: NonNullable<JourneyState['handoff']> = { dealerId: null, offeredAt: null, expiresAt: null, tried: [] };

/** An ISO time `ms` after `at`. */
export function plus(at: string, ms: number): string {
  return new Date(Date.parse(at) + ms).toISOString();
}

/** Collects one transition's state changes and effects. */
export class Builder {
  private next: JourneyState;
  private readonly effects: JourneyEffect[] = [];
  private changed = false;

  constructor(private readonly before: JourneyState, readonly event: JourneyEvent) {
    this.next = before;
  }

  /** The state as changed so far. */
  get current(): JourneyState {
    return this.next;
  }

  set(patch: Partial<JourneyState>): this {
    this.next = { ...this.next, ...patch };
    this.changed = true;
    return this;
  }

  moveTo(stage: JourneyStage): this {
    if (this.next.stage !== stage) {
      this.effect({ type: 'STAGE_CHANGED', from: this.next.stage, to: stage });
      this.set({ stage, stageChangedAt: this.event.at });
    }
    return this;
  }

  owner(to: Owner, reason: string, actor: string): this {
    const from: Owner = { kind: this.next.owner, dealerId: this.next.dealerId };
    if (from.kind !== to.kind || from.dealerId !== to.dealerId) {
      this.effect({ type: 'OWNER_CHANGED', from, to, reason, actor });
      this.set({ owner: to.kind, dealerId: to.dealerId, lastSalesDealerId: from.kind === 'DEALER_SALES' ? from.dealerId : this.next.lastSalesDealerId });
    }
    return this;
  }

  effect(effect: JourneyEffect): this {
    this.effects.push(effect);
    this.changed = true;
    return this;
  }

  unchanged(): Transition {
    return { state: this.before, effects: [] };
  }

  done(): Transition {
    if (!this.changed) return this.unchanged();
    const state = { ...this.next, revision: this.before.revision + 1, updatedAt: this.event.at };
    return { state, effects: [...this.effects, { type: 'READ_MODEL_CHANGED' }] };
  }
}

