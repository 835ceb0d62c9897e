// The journeys' own metrics, through the workflow metric meter: the worker's Prometheus
// endpoint serves them beside the SDK's (workers/main.ts). The SDK drops them while a
// workflow replays, so each transition is counted once. Labels are stages, events,
// decisions and reasons only: no customer, no dealer (the series stay few).
import { metricMeter } from '@temporalio/workflow';
import type { JourneyEffect } from '../domain/transitions.js';

export function journeyMetrics() {
  const transitions = metricMeter.createCounter('l2l_journey_stage_transitions', 'transitions', 'Journeys moving from one stage to another, by stage before and after');
  const slaBreaches = metricMeter.createCounter('l2l_journey_handoff_sla_breaches', 'offers', 'Hand-off offers that lapsed unanswered (the acceptance SLA ended)');
  const messages = metricMeter.createCounter('l2l_journey_message_decisions', 'messages', 'Contact arbitration: messages allowed, deferred or suppressed, by reason');
  return {
    /** What one transition did, by the event that caused it and its effects. */
    count(eventType: string, effects: readonly JourneyEffect[]): void {
      if (eventType === 'HANDOFF_TIMED_OUT') slaBreaches.add(1);
      for (const effect of effects) {
        if (effect.type === 'STAGE_CHANGED') transitions.add(1, { from: effect.from ?? 'NONE', to: effect.to });
        if (effect.type === 'COMMUNICATION_DECIDED') {
          messages.add(1, { decision: effect.decision.decision, reason: effect.decision.decision === 'ALLOWED' ? 'ALLOWED' : effect.decision.reason });
        }
      }
    },
  };
}
