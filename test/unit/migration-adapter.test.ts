import { describe, expect, it } from 'vitest';
import { mapCatalogTypes } from '../../prisma/migration-adapter.js';

// The workaround that lets Prisma's WASM schema engine read PostgreSQL's catalog
// through @prisma/adapter-pg; the whole test run's migrations depend on it too.
describe('mapCatalogTypes', () => {
  it('reports catalog types as text and parses name[] into arrays', () => {
    const result = {
      fields: [{ dataTypeID: 19 }, { dataTypeID: 18 }, { dataTypeID: 1003 }, { dataTypeID: 23 }, { dataTypeID: 2205 }],
      rows: [['customer', 'r', '{id,email}', 7, 'public.customer']],
    };
    mapCatalogTypes(result);
    expect(result.fields.map((f) => f.dataTypeID)).toEqual([25, 25, 1009, 23, 25]);
    expect(result.rows[0]).toEqual(['customer', 'r', ['id', 'email'], 7, 'public.customer']);
  });

  it('leaves ordinary results alone', () => {
    const result = { fields: [{ dataTypeID: 25 }, { dataTypeID: 1009 }], rows: [['a', ['b']]] };
    expect(mapCatalogTypes(structuredClone(result))).toEqual(result);
  });
});
