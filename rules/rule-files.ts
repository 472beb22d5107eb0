import { readFile } from 'node:fs/promises'
import { fail, type Result } from '../domain/index.js'
import { loadLayeredRuleTables, type LayeredRuleTables } from './rule-layers.js'

/**
 * Read the rule tables and the optional regional override file (config/rules-overrides.json, see
 * domain/rule-layers.ts). Never throws on bad input: every problem comes back, each naming its file,
 * so a reload can refuse the new files and keep the running tables.
 */
export async function readLayeredRuleTables(rulesFile: string, overridesFile?: string): Promise<Result<LayeredRuleTables, string[]>> {
  const problems: string[] = []
  const tables = await readJson(rulesFile, problems)
  const overrides = overridesFile === undefined ? undefined : await readJson(overridesFile, problems)
  if (problems.length > 0) return fail(problems)
  const loaded = loadLayeredRuleTables(tables, overrides)
  if (loaded.ok) return loaded
  // Problems of the override file start with its layer (`provinces.51…`, `overrides.…`).
  const fileOf = (p: string) => (overridesFile !== undefined && /^(provinces|cities|counties|overrides)\b/.test(p) ? overridesFile : rulesFile)
  return fail(loaded.reason.map((p) => `${fileOf(p)}: ${p}`))
}

async function readJson(file: string, problems: string[]): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`)
    return undefined
  }
}
