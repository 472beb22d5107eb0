import { parseArgs } from 'node:util'

/** `npm run bench`: filled in by the issues that set speed goals (engine, ingest, fan-out). */
export async function runBench(args: string[]): Promise<number> {
  parseArgs({ args, options: {}, strict: true })
  console.log('no benchmarks yet')
  return 0
}
