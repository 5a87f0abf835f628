import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EntitySchema, type DataSource } from 'typeorm'
import { createDataSource, ensureDatabase, runMigrations } from '../../src/adapters/db/data-source.js'
import { CaseEntity, CORE_ENTITIES, SendEntity, type CaseRow } from '../../src/adapters/db/core-entities.js'
import { CASE_RECORD_COLUMNS, newSendRow, toCaseRecord } from '../../src/adapters/db/core-rows.js'
import { columnsOf, insertRows, updateRows } from '../../src/adapters/db/entity-columns.js'
import { chainNext, insertEvents } from '../../src/adapters/db/evidence-chain.js'
import { sqlEvidenceReader } from '../../src/adapters/db/evidence-store.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { SqlTimerBatchStore } from '../../src/adapters/db/timer-batch-store.js'
import { newCaseRecord, type NewSend } from '../../src/app/case-record.js'
import { verifyEvidence } from '../../src/app/verify-evidence.js'
import { dropSchema, TEST_DATABASE_URL, uniqueName } from '../support/test-env.js'

interface DbColumn {
  column_name: string
  udt_name: string
  is_nullable: string
}

/** information_schema's name of a TypeORM column type (arrays are `_<element>`). */
function udtName(type: string, array: boolean): string {
  const base = ({ bigint: 'int8', integer: 'int4', timestamptz: 'timestamptz', text: 'text', jsonb: 'jsonb', boolean: 'bool' } as Record<string, string>)[type] ?? type
  return array ? `_${base}` : base
}

describe('one definition per core table: entities match the migrations and every writer takes its columns from them', () => {
  const schema = uniqueName('t')
  let ds: DataSource
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => ds.query(sql, params)
  const dbColumns = (table: string) => q<DbColumn>(`SELECT column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name`, [schema, table])

  beforeAll(async () => {
    const opts = { url: TEST_DATABASE_URL, schema }
    await ensureDatabase(opts)
    ds = createDataSource(opts)
    await ds.initialize()
    await runMigrations(ds)
    // what cases and sends refer to
    await q(`INSERT INTO groups (key, kind) VALUES ('internal', 'internal'), ('cust', 'customer')`)
    await q(`INSERT INTO customers (key, name, group_key, contact_id) VALUES ('round', '甲', 'cust', 'c1'), ('chain', '乙', 'cust', 'c2')`)
  })
  afterAll(async () => {
    await ds?.destroy()
    await dropSchema(schema)
  })

  it("each core entity has exactly the migrated table's columns, types and nullability, as TypeORM reads it", async () => {
    for (const entity of CORE_ENTITIES) {
      const meta = ds.getMetadata(entity)
      const cols = await dbColumns(meta.tableName)
      expect(cols.length, meta.tableName).toBeGreaterThan(5)
      const fromEntity = meta.columns
        .map((c) => ({ column_name: c.databaseName, udt_name: udtName(String(c.type), c.isArray), is_nullable: c.isNullable ? 'YES' : 'NO' }))
        .sort((a, b) => a.column_name.localeCompare(b.column_name))
      expect(fromEntity, meta.tableName).toEqual(cols)
      // the adapter's own reading of the entity (entity-columns.ts) names the same columns as TypeORM's metadata
      expect(columnsOf(entity as EntitySchema<unknown>).map((c) => c.name)).toEqual(meta.columns.map((c) => c.databaseName))
    }
  })

  it('the due-order timer index the removed sweeper used is gone after the migrations', async () => {
    const idx = await q<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'cases'`, [schema])
    expect(idx.map((i) => i.indexname)).not.toContain('cases_next_timer_idx')
    expect(idx.map((i) => i.indexname)).toContain('cases_timer_sync_idx')
  })

  it('a column a migration adds is noticed: the table then has a column no entity names', async () => {
    await q(`ALTER TABLE sends ADD COLUMN added_later text`)
    try {
      const named = new Set(ds.getMetadata(SendEntity).columns.map((c) => c.databaseName))
      expect((await dbColumns('sends')).map((c) => c.column_name).filter((c) => !named.has(c))).toEqual(['added_later'])
    } finally {
      await q(`ALTER TABLE sends DROP COLUMN added_later`)
    }
  })

  it('the insert and update builders write every column of the entity, and one added to it with no other change', () => {
    const kase: Omit<CaseRow, 'id'> = {
      ...newCaseRecord({ customerKey: 'k', serviceType: 'after_sales', contactId: null, executorId: null, ownerId: null, partnerKey: null, orderNo: null, dueAt: null }, new Date()),
      timerJobId: null,
    }
    const all = columnsOf(CaseEntity).map((c) => c.name)
    expect(insertRows(CaseEntity, [{ ...kase, id: 1 }], '$1').columns.sort()).toEqual([...all].sort())
    expect(updateRows(CaseEntity, [{ ...kase, id: 1 }], '$1')!.columns.sort()).toEqual(all.filter((c) => c !== 'id').sort())
    // the app's record is every column but the reconciler's own
    expect(CASE_RECORD_COLUMNS.map((c) => c.name).sort()).toEqual(all.filter((c) => c !== 'timer_job_id').sort())

    const wider = new EntitySchema<CaseRow & { extra: string }>({ ...CaseEntity.options, columns: { ...CaseEntity.options.columns, extra: { type: 'text', name: 'extra_col' } } } as never)
    const built = insertRows(wider, [{ ...kase, extra: 'x' }], '$1')
    expect(built.columns).toContain('extra_col')
    expect(JSON.parse(built.value)[0]).toMatchObject({ extra_col: 'x', customer_key: 'k' })
  })

  it('a case written and read back is the same record (the mapping both ways)', async () => {
    const store = new SqlStore(ds)
    const rec = newCaseRecord(
      { customerKey: 'round', serviceType: 'after_sales', contactId: 'c1', executorId: null, ownerId: 'o1', partnerKey: null, orderNo: 'DD1', dueAt: new Date('2026-12-01T00:00:00Z') },
      new Date('2026-11-30T00:00:00.123Z'),
    )
    rec.missingItems = ['发票']
    rec.appointment = { start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T12:00:00.000Z', agreed: false }
    rec.waitingExternalMs = 1234
    const back = await store.transaction(async (tx) => {
      const id = await tx.insertCase(rec)
      await tx.updateCase(id, { reminderCount: 2, nextTimerAt: null })
      return tx.lockCase(id)
    })
    expect(back).toEqual({ ...rec, id: back!.id, reminderCount: 2 })
    expect(toCaseRecord((await q(`SELECT * FROM cases WHERE id = $1`, [back!.id]))[0]!)).toEqual(back)
  })

  it('every writer of sends (a plain transaction, a batch, a timer batch) writes the same columns, resend_of included', async () => {
    const store = new SqlStore(ds)
    const at = new Date('2026-11-30T08:00:00.000Z')
    // resend_of is unique (one resend per send): each writer repeats a send of its own
    const firsts: number[] = []
    for (const text of ['a', 'b', 'c']) firsts.push(await store.transaction((tx) => tx.insertSend({ kind: 'notice', groupKey: 'internal', text }, at)))
    const full = (resendOf: number): NewSend => ({ kind: 'notice', groupKey: 'internal', contactId: 'c', text: 'again', notBefore: at, resendOf, about: { groupKey: 'g', talkerId: 't' }, summaryKey: 'sum' })
    const one = await store.transaction((tx) => tx.insertSend(full(firsts[0]!), at))
    const batched = await store.batch!(async (tx) => {
      await tx.preload({}, [])
      return tx.insertSend(full(firsts[1]!), at)
    })
    const timed = await new SqlTimerBatchStore(ds).transaction(async (tx) => {
      await tx.preload({ caseIds: [] }, [], { idChunks: { sends: 100 } })
      return tx.insertSend(full(firsts[2]!), at)
    })
    const written = newSendRow(full(0), at)
    const cols = columnsOf(SendEntity).filter((c) => c.prop in written)
    expect(cols.map((c) => c.name)).toContain('resend_of')
    const rows = await q(`SELECT ${cols.map((c) => c.name).join(', ')} FROM sends WHERE id = ANY($1::bigint[]) ORDER BY id`, [[one, batched, timed]])
    expect(rows.map((r) => Number(r['resend_of']))).toEqual(firsts)
    const rest = rows.map(({ resend_of: _, ...r }) => r)
    expect(rest[0]).toMatchObject({ about_group: 'g', about_talker: 't', summary_key: 'sum', contact_id: 'c', not_before: at })
    expect(rest[1]).toEqual(rest[0])
    expect(rest[2]).toEqual(rest[0])
  })

  it('evidence chained by each writer in turn on one case verifies as one chain', async () => {
    const store = new SqlStore(ds)
    const now = new Date()
    const caseId = await store.transaction(async (tx) => {
      const id = await tx.insertCase(newCaseRecord({ customerKey: 'chain', serviceType: 'after_sales', contactId: null, executorId: null, ownerId: null, partnerKey: null, orderNo: null, dueAt: null }, now))
      await tx.appendEvidence(id, { kind: 'case_opened', actor: 'test', at: now, payload: { by: 'one' } })
      return id
    })
    await store.batch!(async (tx) => {
      await tx.preload({ caseIds: [caseId] }, [])
      await tx.appendEvidence(caseId, { kind: 'note', actor: 'test', at: now, payload: { by: 'batch', 文字: '好了' } })
    })
    await new SqlTimerBatchStore(ds).transaction(async (tx) => {
      await tx.preload({ caseIds: [caseId] }, [])
      await tx.appendEvidence(caseId, { kind: 'timer_fired', actor: 'baton', at: now, payload: { by: 'timers' } })
    })
    await store.transaction((tx) => tx.appendEvidence(caseId, { kind: 'note', actor: 'test', at: now, payload: { by: 'one again' } }))
    const report = await verifyEvidence(sqlEvidenceReader(ds), caseId)
    expect(report).toEqual({ checked: 1, broken: [] })
    const chain = await sqlEvidenceReader(ds).chain(caseId)
    expect(chain.map((e) => [e.seq, (e.payload as { by: string }).by])).toEqual([
      [1, 'one'],
      [2, 'batch'],
      [3, 'timers'],
      [4, 'one again'],
    ])
    // the events insert writes every column of case_events but its serial id
    const built = insertEvents([chainNext(null, caseId, { kind: 'k', actor: 'a', at: now, payload: {} })], '$1')
    expect(built.columns.sort()).toEqual(
      columnsOf(CORE_ENTITIES[3]!)
        .map((c) => c.name)
        .filter((c) => c !== 'id')
        .sort(),
    )
  })
})
