import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOURNEY_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

describe('search attributes', () => {
  it('the dev stack registers exactly the ones the workflow upserts', () => {
    const envSh = readFileSync(new URL('../../scripts/env.sh', import.meta.url), 'utf8');
    const registered = /JOURNEY_SEARCH_ATTRIBUTES=\(([^)]*)\)/.exec(envSh)?.[1]?.trim().split(/\s+/) ?? [];
    const declared = JOURNEY_SEARCH_ATTRIBUTES.map((key) => `${key.name}=Keyword`);
    expect(JOURNEY_SEARCH_ATTRIBUTES.every((key) => key.type === 'KEYWORD')).toBe(true);
    expect(registered.sort()).toEqual(declared.sort());
  });
});
