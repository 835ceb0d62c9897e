// The domain modules the workers preload into every workflow's V8 context (workers/journey-worker.ts)
// are evaluated once and shared by every journey in a worker thread. That is safe only while they
// keep no state of their own and reach nothing of a workflow's: this checks both for each of them
// and for everything they import, so a module that starts keeping state fails here, not in production.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowPreloadedModules } from '../../workers/journey-worker.js';

/** The module and every relative module it imports, transitively (TypeScript sources). */
function withImports(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const [, spec] of readFileSync(entry, 'utf8').matchAll(/^(?:import|export)[^;]*? from '(\.[^']+)\.js';/gm)) {
    withImports(resolve(dirname(entry), `${spec}.ts`), seen);
  }
  return seen;
}

describe('the modules shared by every workflow in a worker thread', () => {
  const preloaded = workflowPreloadedModules();
  const reached = [...preloaded.reduce((all, module) => withImports(module, all), new Set<string>())];

  it('are the domain rules the workflows import', () => {
    expect(preloaded.length).toBeGreaterThan(10);
    expect(preloaded.every((path) => /\/domain\/[\w/-]+\.ts$/.test(path))).toBe(true);
    expect(preloaded.some((path) => path.endsWith('/domain/transitions.ts'))).toBe(true);
  });

  it('stay within domain/, and reach nothing of Temporal or of a workflow', () => {
    expect(reached.filter((path) => !path.includes('/domain/'))).toEqual([]);
    for (const path of reached) expect(readFileSync(path, 'utf8'), path).not.toMatch(/from '@temporalio\//);
  });

  it('keep no state of their own: no module-level variable, no module-level collection changed after it is made', () => {
    for (const path of reached) {
      const source = readFileSync(path, 'utf8');
      expect(source, path).not.toMatch(/^(?:export )?(?:let|var) /m);
      for (const [, name] of source.matchAll(/^(?:export )?const (\w+)(?::[^=]+)? = (?:new (?:Map|Set|WeakMap|Array)\b|\[|\{)/gm)) {
        expect(source, `${path}: ${name}`).not.toMatch(new RegExp(`\\b${name}(?:\\.(?:set|add|delete|clear|push|pop|shift|unshift|splice|sort|reverse)\\(|(?:\\.\\w+|\\[[^\\]]+\\]) = )`));
      }
    }
  });
});
