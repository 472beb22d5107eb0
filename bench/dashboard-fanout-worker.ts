import { performance } from 'node:perf_hooks'
import { parentPort, workerData } from 'node:worker_threads'
import mqtt, { type MqttClient } from 'mqtt'
import { io, type Socket } from 'socket.io-client'
import type { AlertEvent, ClientToServerEvents, ServerToClientEvents } from '../domain/index.js'
import type { FanoutCommand, FanoutReply, FanoutWorkerData } from './dashboard-fanout.js'

/**
 * The far side of the fan-out benchmark, in a thread of its own (dashboard-fanout.ts): the
 * dashboard sockets and the MQTT client playing the rules service. Publisher and receivers share
 * this thread's clock, so a latency is one `performance.now()` minus another; the broker and the
 * dashboard under test keep the main thread to themselves.
 */

type DashSocket = Socket<ServerToClientEvents, ClientToServerEvents>

const data = workerData as FanoutWorkerData
const port = parentPort
if (port === null) throw new Error('dashboard-fanout-worker.ts runs as a worker thread')

let sockets: DashSocket[] = []
let rules: MqttClient | undefined
/** The alert being timed: its id, when it was published, when each socket got it (NaN: not yet). */
let current: { alertId: string; t0: number; at: Float64Array; pending: number; done: () => void } | undefined

const reply = (r: FanoutReply): void => port.postMessage(r)

function onAlert(i: number, event: AlertEvent): void {
  const now = performance.now()
  const c = current
  if (c === undefined || event.alert.id !== c.alertId || !Number.isNaN(c.at[i] as number)) return
  c.at[i] = now - c.t0
  c.pending -= 1
  if (c.pending === 0) c.done()
}

async function connect(): Promise<void> {
  const started = performance.now()
  const n = data.sockets
  const opened = Array.from({ length: n }, (_, i) => {
    // The browser upgrades from polling to a WebSocket; these start on the WebSocket it ends on.
    const s: DashSocket = io(data.url, { path: '/socket.io', transports: ['websocket'], auth: { token: data.tokens[i % data.tokens.length] }, reconnection: false, forceNew: true })
    s.on('alert', (event) => onAlert(i, event))
    return s
  })
  sockets = opened
  await Promise.all(
    opened.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          // `session` is the server's first event after it put the socket in its rooms.
          s.once('session', () => resolve())
          s.once('connect_error', (err) => reject(new Error(`socket refused: ${err.message}`)))
        })
    )
  )
  rules = await mqtt.connectAsync(data.mqttUrl, { username: 'svc:rules', password: data.mqttPassword, clientId: 'bench-rules', reconnectPeriod: 0 })
  reply({ reply: 'connected', ms: performance.now() - started })
}

async function publish(cmd: Extract<FanoutCommand, { cmd: 'publish' }>): Promise<void> {
  const client = rules
  if (client === undefined) throw new Error('publish before connect')
  const at = new Float64Array(sockets.length).fill(Number.NaN)
  let timer: NodeJS.Timeout | undefined
  const all = new Promise<void>((resolve) => {
    current = { alertId: cmd.alertId, t0: performance.now(), at, pending: sockets.length, done: resolve }
    timer = setTimeout(resolve, cmd.timeoutMs)
  })
  // As the rules service does (design.md "Delivery guarantees"): the alert, then the site's state.
  await client.publishAsync(cmd.alertTopic, cmd.alertPayload, { qos: 1 })
  await client.publishAsync(cmd.stateTopic, cmd.statePayload, { qos: 1, retain: true })
  await all
  clearTimeout(timer)
  current = undefined
  const latencies = Array.from(at).filter((x) => !Number.isNaN(x))
  reply({ reply: 'published', latenciesMs: latencies, missed: at.length - latencies.length })
}

async function close(): Promise<void> {
  for (const s of sockets) s.disconnect()
  sockets = []
  await rules?.endAsync()
  rules = undefined
  reply({ reply: 'closed' })
}

port.on('message', (cmd: FanoutCommand) => {
  const run = cmd.cmd === 'connect' ? connect() : cmd.cmd === 'publish' ? publish(cmd) : close()
  run.catch((err: unknown) => reply({ reply: 'error', message: err instanceof Error ? err.message : String(err) }))
})
