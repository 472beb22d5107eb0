#!/usr/bin/env node
import { runBench } from './bench.js'
import { runReplayCommand } from './replay.js'
import { runDemo, runStart } from './start.js'
import { runImport, runSim, runUserAdd } from './tools.js'

const USAGE = `geowarn — early warning for geological hazards

  geowarn start [--services broker,ingest,rules,dashboard] [--registry FILE]
                     run the services in one process (all of them by default)
  geowarn demo       start everything with the demo registry, an admin account and a storm
  geowarn sim [--url mqtt://host:1883] [--registry FILE] [--scenario FILE] [--duration S] [--sites A,B]
                     simulated stations against any broker
  geowarn import FILE
                     import a registry file (sites, devices, device secrets) into the platform DB
  geowarn user add --username NAME --role ROLE --region CODE [--name TEXT]
                     create an account; the password is read from GEOWARN_NEW_PASSWORD or stdin
  geowarn replay FILE.csv [--speed N] [--json] [--tables FILE] [--site ID]
                     a recorded series through the warning engine: level timeline, lead times, forecasts
  geowarn bench      benchmarks (also: npm run bench)

Settings come from environment variables: see the README.`

const [command, ...rest] = process.argv.slice(2)

async function dispatch(): Promise<number> {
  switch (command) {
    case 'start':
      return runStart(rest)
    case 'demo':
      return runDemo(rest)
    case 'sim':
      return runSim(rest)
    case 'import':
      return runImport(rest)
    case 'user':
      return runUserAdd(rest)
    case 'replay':
      return runReplayCommand(rest)
    case 'bench':
      return runBench(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE)
      return 0
    default:
      console.error(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
      return 2
  }
}

dispatch().then(
  (code) => {
    if (code !== 0) process.exitCode = code
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exitCode = 1
  }
)
