// The order files start in: the longest first, so that on two cores the short ones fill in around
// them and the run ends when the longest does (a clean clone has no timings from an earlier run,
// which is what vitest's own order uses). Measured in full runs; the rest by vitest's default.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LONGEST_FIRST = [
  'test/integration/api-fuzz.test.ts',
  'test/integration/lead-import.test.ts',
  'test/integration/workspace.test.ts',
  'test/integration/campaigns.test.ts',
  'test/integration/customer-onboarding.test.ts',
  'test/integration/customer-care.test.ts',
  'test/cluster/cluster-fault.test.ts',
  'test/integration/metrics.test.ts',
  'test/integration/dealer-isolation.test.ts',
  'test/integration/dealer-delivery.test.ts',
  'test/integration/send-across-continue-as-new.test.ts',
  'test/integration/journey-lifecycle.test.ts',
  'test/integration/security-review.test.ts',
];

export default class HeavyFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((path) => f.moduleId.endsWith(path));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
