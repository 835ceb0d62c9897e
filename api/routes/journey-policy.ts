// The journey policy, owned by the OEM: read it and its history (the audit), change it
// (a new version new journeys start with), and have running journeys follow a version
// (queued with workflows/policy-rollouts.ts, which signals every running journey by a Temporal
// batch operation, one roll-out at a time; safe to repeat).
import { type Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidPolicy, MINUTE, POLICY_BOUNDS, spell, type JourneyPolicy } from '../../domain/policy.js';
import type { JourneyPolicyStore, PolicyVersion } from '../../platform/journey-policy.js';
import { AT_LEAST_ONE_FIELD, text, timeZone } from '../../platform/validation.js';
import { taskQueuesOf } from '../../platform/task-queues.js';
import { policyRolloutJobId, policyRolloutRequestedSignal, policyRolloutsIdOf, type PolicyRollout } from '../../workflows/definitions.js';
import type { policyRollouts } from '../../workflows/policy-rollouts.js';
import { Problem, sendNotFound, sendInvalid, sendUnavailable } from '../problems.js';
import { isTemporalUnavailable } from '../../platform/temporal-errors.js';

const MINUTE_OF_DAY = z.number().int().min(0).max(1439).describe('Minutes after midnight');

/** Each setting's rule, as the schema states it from domain/policy.ts's bounds (resolvePolicy checks them again, and the relations). */
const SETTINGS: { [K in keyof JourneyPolicy]: z.ZodType } = {
  ...(Object.fromEntries(Object.entries(POLICY_BOUNDS).flatMap(([k, b]) => {
    if (b.kind === 'count') return [[k, z.number().int().min(b.min).max(b.max).describe(b.what)]];
    if (b.kind === 'duration') {
      return [[k, z.number().int().min(b.min).max(b.max).multipleOf(MINUTE).describe(`${b.what}: whole minutes in milliseconds, ${spell(b.min)} to ${spell(b.max)}`)]];
    }
    return [];
  })) as unknown as { [K in keyof JourneyPolicy]: z.ZodType }),
  quietHoursStartMinute: MINUTE_OF_DAY,
  quietHoursEndMinute: MINUTE_OF_DAY,
  customerTimeZone: timeZone(),
  oemMayActForDealer: z.union([z.literal(0), z.literal(1)]),
};

const PolicyChange = z
  .strictObject({
    changes: z
      .strictObject(Object.fromEntries(Object.entries(SETTINGS).map(([k, schema]) => [k, schema.optional()])))
      .refine((c) => Object.keys(c).length > 0, 'name at least one setting to change')
      .meta({ ...AT_LEAST_ONE_FIELD, description: 'Settings to change; durations in milliseconds' }),
    reason: text(500).describe('Why: kept with the version'),
    applyToRunningJourneys: z.boolean().default(false).describe('Also send it to every running journey (otherwise only new journeys get it)'),
    dryRun: z.boolean().default(false).describe('Only report what the change would do (the resulting policy, how many running journeys, and which of them set their next deadline of each changed kind with it); nothing is stored or sent'),
  })
  .meta({ id: 'JourneyPolicyChange' });

const Version = z
  .object({
    version: z.number().int(), policy: z.record(z.string(), z.union([z.number(), z.string()])), changes: z.record(z.string(), z.union([z.number(), z.string()])),
    changedBy: z.string(), reason: z.string(), appliedToRunning: z.boolean(), createdAt: z.string(),
  })
  .meta({ id: 'JourneyPolicyVersion' });
const view = (v: PolicyVersion) => v as unknown as z.infer<typeof Version>;

const Impact = z
  .object({
    runningJourneys: z.number().int(),
    deadlinesAlreadySet: z.literal('kept').describe('A change moves no deadline already set (an open offer keeps its SLA); the next ones use the new value'),
    settings: z.array(z.object({
      setting: z.string(), from: z.union([z.number(), z.string()]), to: z.union([z.number(), z.string()]),
      stages: z.union([z.array(z.string()), z.literal('ALL')]).describe('Journeys in these stages set their next deadline of this kind with the new value'),
      journeys: z.number().int(),
    })),
  })
  .meta({ id: 'JourneyPolicyImpact' });

/**
 * Queues the version's roll-out to every running journey and answers at once: the server runs one
 * batch operation per namespace at a time, and a request that started its own waited behind the
 * one running. The queue (one workflow per task queue) sends versions one after another; a version
 * queued or sent already is not sent again. Answers the batch job's id.
 */
async function rollOut(temporal: Client, taskQueue: string, v: PolicyVersion): Promise<string> {
  await temporal.withDeadline(Date.now() + 5_000, () => temporal.workflow.signalWithStart<typeof policyRollouts, [PolicyRollout]>('policyRollouts', {
    workflowId: policyRolloutsIdOf(taskQueue), taskQueue: taskQueuesOf(taskQueue).bulk,
    args: [{ queued: [], done: [] }],
    signal: policyRolloutRequestedSignal, signalArgs: [{ version: v.version, policy: v.policy, reason: v.reason }],
  }));
  return policyRolloutJobId(v.version, taskQueue);
}

export const journeyPolicyRoutes = (deps: { policies: JourneyPolicyStore; temporal: Client; taskQueue: string }): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/journey-policy', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['journey policy'], summary: 'The policy new journeys start with, and every version before it (who changed what, when and why)',
      response: { 200: z.object({ current: Version, history: z.array(Version) }) },
    },
  }, async (_request, reply) => {
    const [current, history] = await Promise.all([deps.policies.current(), deps.policies.history()]);
    return reply.send({ current: view(current), history: history.map(view) });
  });

  app.post('/v1/journey-policy/versions', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['journey policy'], summary: 'Change the journey policy: a new version for new journeys, and for running ones if you say so',
      description: 'Send it with `dryRun: true` first: the answer says how many running journeys the change reaches and which set their next deadline of each changed kind with it; nothing is stored. ' +
        'Every setting has bounds that fit its meaning (whole minutes; the acceptance SLA 5 minutes to 7 days; cool-downs and windows at least an hour; the chase grace shorter than the sales window): a 400 names the setting. ' +
        'Running journeys that follow a new version record it in their task log (POLICY_CHANGED); deadlines already set keep their time.',
      body: PolicyChange,
      response: {
        200: z.object({ dryRun: z.literal(true), policy: z.record(z.string(), z.union([z.number(), z.string()])), impact: Impact }).describe('The dry run: nothing stored or sent'),
        201: Version.extend({ rollout: z.object({ jobId: z.string() }).nullable(), impact: Impact.nullable() }), 400: Problem, 503: Problem,
      },
    },
  }, async (request, reply) => {
    const { changes, reason, applyToRunningJourneys, dryRun } = request.body;
    let version: PolicyVersion;
    let basePolicy: JourneyPolicy;
    try {
      const { base, policy } = await deps.policies.preview(changes);
      basePolicy = base.policy;
      if (dryRun) return reply.status(200).send({ dryRun: true as const, policy: policy as unknown as Record<string, number | string>, impact: await deps.policies.impact(base.policy, changes) });
      version = await deps.policies.change({ changes, changedBy: request.principal!.name, reason, applyToRunning: applyToRunningJourneys });
    } catch (error) {
      if (!(error instanceof InvalidPolicy)) throw error;
      const field = error.setting ? `changes.${error.setting}` : 'changes';
      return sendInvalid(reply, field, error.message);
    }
    let rollout = null;
    if (applyToRunningJourneys) {
      try {
        rollout = { jobId: await rollOut(deps.temporal, deps.taskQueue, version) };
      } catch (error) {
        // The version is stored; repeating the roll-out is safe (POST …/versions/{version}/rollout).
        if (isTemporalUnavailable(error)) return sendUnavailable(reply, 'Temporal');
        throw error;
      }
    }
    const impact = applyToRunningJourneys ? await deps.policies.impact(basePolicy, changes) : null;
    return reply.status(201).send({ ...view(version), rollout, impact });
  });

  app.post('/v1/journey-policy/versions/:version/rollout', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['journey policy'], summary: 'Send a policy version to every running journey (again: repeats are harmless)',
      description: 'Answers 202 at once: the roll-out is queued behind any running one (one at a time) and reaches each running journey once; ' +
        'a version queued or sent already is not sent again. The batch job (`jobId`) shows in the Temporal UI.',
      params: z.object({ version: z.coerce.number().int().min(1).max(1_000_000) }),
      response: { 202: z.object({ version: z.number().int(), jobId: z.string() }), 400: Problem, 404: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const version = await deps.policies.find(request.params.version);
    if (!version) return sendNotFound(reply, 'journey policy version', String(request.params.version));
    try {
      return reply.status(202).send({ version: version.version, jobId: await rollOut(deps.temporal, deps.taskQueue, version) });
    } catch (error) {
      if (isTemporalUnavailable(error)) return sendUnavailable(reply, 'Temporal');
      throw error;
    }
  });
};
