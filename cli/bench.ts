import { parseArgs } from 'node:util'
import { formatTable } from '../bench/report.js'
import { SUITE_NAMES, SUITES, type SuiteResult } from '../bench/suites.js'

const USAGE = `geowarn bench [--only decode|engine|pipeline|influx|overload|dashboard[,…]] [--quick] [--json]
  --only   run these suites (default: all)
  --quick  small counts, a few seconds per suite (figures are rougher)
  --json   print the results as JSON instead of a table`

/** `npm run bench`: the speed figures of issues 3, 4 and 5 (decode, engine, pipeline, influx, overload, dashboard); see bench/. */
export async function runBench(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { only: { type: 'string' }, quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    strict: true
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const names = values.only === undefined ? [...SUITE_NAMES] : values.only.split(',').map((n) => n.trim())
  const unknown = names.filter((n) => !(n in SUITES))
  if (unknown.length > 0 || names.length === 0) {
    console.error(`unknown suite ${JSON.stringify(unknown[0] ?? '')}; suites: ${SUITE_NAMES.join(', ')}\n\n${USAGE}`)
    return 2
  }
  const results: SuiteResult[] = []
  for (const name of names) {
    const suite = SUITES[name]
    if (suite === undefined) continue
    const started = Date.now()
    if (!values.json) process.stderr.write(`bench ${name}${values.quick ? ' (quick)' : ''}…\n`)
    results.push(await suite({ quick: values.quick }))
    if (!values.json) process.stderr.write(`bench ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }
  const meta = { node: process.version, platform: `${process.platform}-${process.arch}`, quick: values.quick, at: new Date().toISOString() }
  if (values.json) console.log(JSON.stringify({ ...meta, results }, null, 2))
  else console.log(`geowarn bench — ${meta.node}, ${meta.platform}${values.quick ? ', quick' : ''}\n\n${formatTable(results)}`)
  return 0
}
