import { createHash } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type pino from 'pino'
import { fail, ok, type Result } from '../domain/index.js'
import type { Engine } from './engine.js'
import { readLayeredRuleTables } from './rule-files.js'
import type { RuleTables } from './tables.js'

/**
 * Hot reload of the rule tables (issue 3 "Configuration"): on demand (SIGHUP, `reloadRules()`) and
 * when the rules or overrides file changes. The files are read and validated whole; an invalid
 * file is refused with every problem (logged once at warn, counted) and the running tables stay.
 * Otherwise the engine swaps the new tables into the running channels, which keep their windows.
 */

export interface ReloadSummary {
  /** Leaf values that differ from the running tables (regional layers included). */
  changedValues: number
  /** Top-level sections with a change, e.g. `rain`, `overrides`. */
  sections: string[]
  /** Site overrides the new tables reject (those sites run the defaults). */
  siteProblems: string[]
}

export interface ReloadStats {
  applied: number
  unchanged: number
  refused: number
  /** Problems listed by refused reloads. */
  problems: number
}

export interface RuleReloader {
  reload(): Promise<Result<ReloadSummary, string[]>>
  stats(): ReloadStats
  close(): void
}

/** An applied reload, for the audit log (rules/app.ts writes it to the platform DB). */
export interface AppliedReload {
  rulesFile: string
  overridesFile: string | undefined
  changedValues: number
  sections: string[]
  /** The first 16 hex digits of the SHA-256 of the new tables (as JSON): which tables ran from when. */
  tablesHash: string
  siteProblems: number
}

export interface RuleReloaderOptions {
  engine: Engine
  /** Called after new tables are in force; a throw is logged, the reload stands. */
  onApplied?: (applied: AppliedReload) => void
  rulesFile: string
  overridesFile?: string | undefined
  log: pino.Logger
  /** Editors write a file in several steps (truncate, write, rename): one reload per burst (our choice). */
  debounceMs?: number
  /** Watch the files (default true). */
  watch?: boolean
}

const DEFAULT_DEBOUNCE_MS = 500

export function createRuleReloader(opts: RuleReloaderOptions): RuleReloader {
  const { engine, rulesFile, overridesFile, log } = opts
  const stats: ReloadStats = { applied: 0, unchanged: 0, refused: 0, problems: 0 }
  /** The problems of the last refused reload: the same refusal again (one save, several events) is not logged twice. */
  let lastRefusal = ''
  let chain: Promise<unknown> = Promise.resolve()

  async function apply(): Promise<Result<ReloadSummary, string[]>> {
    const read = await readLayeredRuleTables(rulesFile, overridesFile)
    if (!read.ok) return refuse(read.reason)
    const { changedValues, sections } = changed(engine.tables(), read.value)
    lastRefusal = ''
    if (changedValues === 0) {
      stats.unchanged++
      log.debug({ rulesFile, overridesFile }, 'rule tables unchanged')
      return ok({ changedValues, sections, siteProblems: [] })
    }
    const result = engine.updateTables(read.value)
    if (!result.ok) return refuse(result.reason)
    stats.applied++
    for (const problem of result.value) log.warn({ problem }, 'site rule override rejected, default kept')
    const { restartedChannels } = engine.stats()
    log.info({ rulesFile, overridesFile, changedValues, sections, siteProblems: result.value.length, restartedChannels }, 'rule tables reloaded')
    // The alert sink and escalation timers were built with the start-up ladder.
    if (sections.includes('escalation')) log.warn({ rulesFile }, 'escalation changes apply at the next restart')
    try {
      opts.onApplied?.({ rulesFile, overridesFile, changedValues, sections, tablesHash: tablesHash(read.value), siteProblems: result.value.length })
    } catch (err) {
      log.error({ err }, 'recording the rule reload failed')
    }
    return ok({ changedValues, sections, siteProblems: result.value })
  }

  function refuse(problems: string[]): Result<ReloadSummary, string[]> {
    stats.refused++
    stats.problems += problems.length
    const key = problems.join('\n')
    if (key !== lastRefusal) {
      for (const problem of problems) log.warn({ problem }, 'rule tables refused, running tables kept')
    }
    lastRefusal = key
    return fail(problems)
  }

  /** One reload at a time: a trigger during a reload runs after it, on the newest files. */
  function reload(): Promise<Result<ReloadSummary, string[]>> {
    const next = chain.then(apply)
    chain = next.catch(() => undefined)
    return next
  }

  let timer: NodeJS.Timeout | undefined
  function schedule(): void {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      reload().catch((err: unknown) => log.error({ err }, 'rule reload failed'))
    }, opts.debounceMs ?? DEFAULT_DEBOUNCE_MS)
  }

  // The folders are watched, not the files: an editor that saves by renaming a new file over the
  // old one leaves a file watcher on the deleted inode.
  const watchers: FSWatcher[] = []
  if (opts.watch !== false) {
    const files = [rulesFile, ...(overridesFile === undefined ? [] : [overridesFile])].map((f) => resolve(f))
    for (const dir of new Set(files.map((f) => dirname(f)))) {
      const names = new Set(files.filter((f) => dirname(f) === dir).map((f) => basename(f)))
      try {
        const w = watch(dir, (_event, name) => {
          // Some platforms give no name: reload to be safe.
          if (name === null || names.has(basename(name.toString()))) schedule()
        })
        w.on('error', (err) => log.warn({ err, dir }, 'rule file watch failed: reload with SIGHUP'))
        watchers.push(w)
      } catch (err) {
        log.warn({ err, dir }, 'cannot watch the rule files: reload with SIGHUP')
      }
    }
  }

  return {
    reload,
    stats: () => ({ ...stats }),
    close() {
      clearTimeout(timer)
      for (const w of watchers) w.close()
    }
  }
}

export function tablesHash(tables: RuleTables): string {
  return createHash('sha256').update(JSON.stringify(tables), 'utf8').digest('hex').slice(0, 16)
}

/** What a reload changes: leaf values that differ, and the top-level sections they are in. */
export function changed(running: RuleTables, next: RuleTables): { changedValues: number; sections: string[] } {
  const sections: string[] = []
  let changedValues = 0
  const a = running as unknown as Record<string, unknown>
  const b = next as unknown as Record<string, unknown>
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const n = countChanged(a[key], b[key])
    if (n === 0) continue
    changedValues += n
    sections.push(key)
  }
  return { changedValues, sections: sections.sort() }
}

function countChanged(a: unknown, b: unknown): number {
  if (a === b) return 0
  const objA = typeof a === 'object' && a !== null
  const objB = typeof b === 'object' && b !== null
  if (!objA || !objB || Array.isArray(a) !== Array.isArray(b)) return Math.max(leaves(a), leaves(b), 1)
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  let n = 0
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) n += countChanged(ra[key], rb[key])
  return n
}

function leaves(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 1
  let n = 0
  for (const x of Object.values(v)) n += leaves(x)
  return n
}
