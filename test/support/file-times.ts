// What each test file cost, printed after every run, slowest first: where the suite's time goes
// (import = loading the file and what it imports, tests = its hooks and tests). The files run in
// parallel, so the wall time is less than their sum.
import type { Reporter, TestModule } from 'vitest/node';

export default class FileTimes implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const rows = testModules
      .map((m) => ({ file: m.relativeModuleId, ...m.diagnostic() }))
      .map((d) => ({ file: d.file, importMs: d.collectDuration, testsMs: d.duration, totalMs: d.collectDuration + d.duration }))
      .sort((a, b) => b.totalMs - a.totalMs);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
    const lines = rows.map((r) => `${s(r.totalMs)} ${s(r.importMs)} ${s(r.testsMs)}  ${r.file}`);
    const sum = rows.reduce((a, r) => a + r.totalMs, 0);
    console.log(['', 'Time per file (slowest first):', `${'total'.padStart(8)} ${'import'.padStart(8)} ${'tests'.padStart(8)}  file`, ...lines, `${s(sum)} in all files together`].join('\n'));
  }
}
