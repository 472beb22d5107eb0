import { describe, expect, test } from 'vitest'
import { parseReplayCsv, parseTime, rowFields, splitCsvLine } from '../../rules/replay-csv.js'

describe('parseTime', () => {
  test.each<[string, number | undefined]>([
    ['2026-07-01T08:00:00+08:00', Date.UTC(2026, 6, 1, 0)],
    ['2026-07-01T00:00:00Z', Date.UTC(2026, 6, 1, 0)],
    ['2026-07-01 00:30Z', Date.UTC(2026, 6, 1, 0, 30)],
    ['2026-07-01T00:00:00.250-05:00', Date.UTC(2026, 6, 1, 5, 0, 0, 250)],
    ['2026-07-01T08:00:00+0800', Date.UTC(2026, 6, 1, 0)],
    ['1782864000000', 1782864000000],
    ['2026-07-01T08:00:00', undefined],
    ['2026-07-01', undefined],
    ['yesterday', undefined],
    ['', undefined]
  ])('%j → %s', (text, ms) => {
    expect(parseTime(text)).toBe(ms)
  })
})

test.each([
  ['a,b,c', ['a', 'b', 'c']],
  [' a , "b,c" ,', ['a', 'b,c', '']],
  ['"say ""hi""",x', ['say "hi"', 'x']]
])('splitCsvLine %j', (line, fields) => {
  expect(splitCsvLine(line)).toEqual(fields)
})

describe('parseReplayCsv', () => {
  test('columns in any order, aliases, comments and blank lines', () => {
    const csv = ['# a comment', '', 'Sensor_ID,Value,Site,Sensor Type,Time', 'GN01,12.5,S1,gnss,2026-07-01T00:00:00Z', ',3,S1,RAIN,1782864000000', ',,S1,failure,2026-07-02T00:00:00Z'].join('\n')
    const { rows, bad } = parseReplayCsv(csv)
    expect(bad).toEqual([])
    expect(rows).toEqual([
      { line: 4, ts: Date.UTC(2026, 6, 1), siteId: 'S1', type: 'gnss', value: 12.5, deviceId: 'GN01' },
      { line: 5, ts: 1782864000000, siteId: 'S1', type: 'rain', value: 3, deviceId: 'rain-1' },
      { line: 6, ts: Date.UTC(2026, 6, 2), siteId: 'S1', type: 'failure', value: 0, deviceId: 'failure-1' }
    ])
  })

  test('bad rows are listed with their line number and skipped; the rest is kept', () => {
    const csv = [
      'time,site,type,value',
      '2026-07-01T00:00:00Z,S1,gnss,1',
      '2026-07-01T01:00:00,S1,gnss,2',
      '2026-07-01T02:00:00Z,S 1,gnss,3',
      '2026-07-01T03:00:00Z,S1,laser,4',
      '2026-07-01T04:00:00Z,S1,gnss,four',
      '2026-07-01T05:00:00Z,S1,gnss,',
      '2026-07-01T06:00:00Z,S1,gnss,6'
    ].join('\r\n')
    const { rows, bad } = parseReplayCsv(csv)
    expect(rows.map((r) => r.line)).toEqual([2, 8])
    expect(bad.map((b) => b.line)).toEqual([3, 4, 5, 6, 7])
    expect(bad.map((b) => b.reason)).toEqual([
      expect.stringMatching(/^time "2026-07-01T01:00:00": ISO-8601 with Z or an offset/),
      expect.stringMatching(/^site "S 1": not an id/),
      expect.stringMatching(/^type "laser": not a sensor type/),
      expect.stringMatching(/^value "four": not a number/),
      'value missing'
    ])
  })

  test.each([
    ['time,site,value\n1,S1,2', /header lacks type/],
    ['', /no header row/]
  ])('a file without a usable header: %j', (csv, reason) => {
    const { rows, bad } = parseReplayCsv(csv)
    expect(rows).toEqual([])
    expect(bad).toEqual([{ line: 1, reason: expect.stringMatching(reason) }])
  })
})

test.each([
  ['gnss', { dxMm: 7, dyMm: 0, dzMm: 0 }],
  ['crack', { openingMm: 7 }],
  ['rain', { intervalMm: 7 }],
  ['groundwater', { levelM: 7 }],
  ['deep_disp', { dispXMm: 7, dispYMm: 0 }]
] as const)('a %s value fills %j', (type, fields) => {
  expect(rowFields(type, 7)).toEqual(fields)
})
