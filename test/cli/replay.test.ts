import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { formatDuration } from '../../cli/replay-format.js'
import { runReplayCommand, type ReplayIo } from '../../cli/replay.js'

const SAMPLE = fileURLToPath(new URL('../../config/replays/landslide-acceleration.csv', import.meta.url))

function capture(extra: Partial<ReplayIo> = {}): ReplayIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), ...extra }
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'geowarn-replay-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('geowarn replay', () => {
  test('prints the level timeline, the lead times and the forecasts of the sample', async () => {
    const io = capture()
    expect(await runReplayCommand([SAMPLE], io)).toBe(0)
    const text = io.stdout.join('\n')
    expect(text).toMatch(/308 rows, 307 readings fed, 0 bad rows skipped/)
    expect(text).toMatch(/REPLAY-SLIDE-1 \(county 000000\): peak red, final red; reference: failure marker 2026-07-31 00:00Z/)
    expect(text).toMatch(/level timeline\n {4}2026-/)
    expect(text).toMatch(/ {4}red {5}first 2026-07-\d\d \d\d:\d\dZ {2}\d+ h( \d+ min)? before/)
    expect(text).toMatch(/inverse-velocity forecasts, GN01: \d+ fits, 12 shown/)
    expect(text).toMatch(/1 gross errors rejected/)
  })

  test('--json: the whole report for machines', async () => {
    const io = capture()
    expect(await runReplayCommand([SAMPLE, '--json'], io)).toBe(0)
    const report = JSON.parse(io.stdout.join('\n')) as { file: string; sites: Array<{ peakLevel: string; leadTimes: unknown[]; forecasts: unknown[] }>; badRows: unknown[] }
    expect(report.file).toBe(SAMPLE)
    expect(report.sites[0]?.peakLevel).toBe('red')
    expect(report.sites[0]?.leadTimes).toHaveLength(4)
    expect(report.sites[0]?.forecasts.length).toBeGreaterThan(0)
  })

  test('bad rows are reported with line numbers; the replay goes on', async () => {
    const file = join(dir, 'bad.csv')
    writeFileSync(file, 'time,site,type,value\n2026-07-01T00:00:00Z,S1,rain,60\n2026-07-01T01:00:00,S1,rain,60\nnot,a,row\n2026-07-01T02:00:00Z,S1,rain,60\n')
    const io = capture()
    expect(await runReplayCommand([file, '--failure', '2026-07-02T00:00:00Z'], io)).toBe(0)
    const text = io.stdout.join('\n')
    expect(text).toMatch(/: 2 rows, 2 readings fed, 2 bad rows skipped;/)
    expect(text).toMatch(/bad row: line 3: time "2026-07-01T01:00:00"/)
    expect(text).toMatch(/bad row: line 4: time "not"/)
    expect(text).toMatch(/reference: failure marker 2026-07-02 00:00Z/)
  })

  test('--speed paces the rows by recorded time', async () => {
    const file = join(dir, 'paced.csv')
    const rows = Array.from({ length: 5 }, (_, h) => `${new Date(Date.UTC(2026, 6, 1, h)).toISOString()},S1,rain,70`)
    writeFileSync(file, ['time,site,type,value', ...rows].join('\n'))
    let clock = 0
    const waits: number[] = []
    const io = capture({
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms)
        clock += ms
      }
    })
    expect(await runReplayCommand([file, '--speed', '3600'], io)).toBe(0)
    // One recorded hour per second.
    expect(waits).toEqual([1000, 1000, 1000, 1000])
    // Level changes print as they happen, before the report.
    expect(io.stdout[0]).toMatch(/^2026-07-01 0\d:00Z {2}S1 {2}none → /)
  })

  test.each([
    [[], /give exactly one CSV file/],
    [['a.csv', '--speed', '0'], /--speed 0: a number > 0/],
    [['a.csv', '--failure', 'soon'], /--failure soon/],
    [['a.csv', '--bogus'], /Unknown option '--bogus'/]
  ])('usage error %j → exit 2', async (args, message) => {
    const io = capture()
    expect(await runReplayCommand(args, io)).toBe(2)
    expect(io.stderr.join('\n')).toMatch(message)
  })

  test('refused rule tables name every problem', async () => {
    const overrides = join(dir, 'overrides.json')
    writeFileSync(overrides, JSON.stringify({ version: 1, provinces: { '43': { grading: { dwellH: -1 } } }, counties: { '431129': { displacement: { velocityMmPerDay: { red: 1 } } } } }))
    await expect(runReplayCommand([SAMPLE, '--overrides', overrides], capture())).rejects.toThrow(/rule tables refused[\s\S]*provinces\.43\.grading\.dwellH[\s\S]*counties\.431129\.displacement\.velocityMmPerDay\.red/)
  })
})

test.each([
  [0, '0 min'],
  [59_000, '1 min'],
  [3_600_000, '1 h'],
  [5_400_000, '1 h 30 min'],
  [86_400_000 * 2 + 3_600_000 * 5 + 60_000 * 7, '2 d 5 h'],
  [-3_600_000, '-1 h']
])('formatDuration(%i) = %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text)
})
