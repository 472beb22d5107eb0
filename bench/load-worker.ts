import { parentPort, workerData } from 'node:worker_threads'
import mqtt, { type MqttClient } from 'mqtt'
import { epochMs, type LoadCommand, type LoadReply, type LoadWorkerData } from './load.js'
import { loadWorkload, nativeLiveMessages, type LiveMessage, type Workload } from './workload.js'

/** The worker side of load.ts: publishers that do what the main thread tells them, one command at a time. */
const port = parentPort
if (port === null) throw new Error('load-worker.ts runs as a worker thread (load.ts LoadGenerator)')
const { devices } = workerData as LoadWorkerData

let workload: Workload | undefined
let messages: LiveMessage[][] = []
let perDevice = 0
let sentAt = new Float64Array(new SharedArrayBuffer(0))
let clients: MqttClient[] = []

/** How often the open-loop schedule is looked at. */
const TICK_MS = 5

async function handle(c: LoadCommand): Promise<LoadReply> {
  switch (c.cmd) {
    case 'prepare':
      return prepare(c.perDevice)
    case 'connect':
      clients = await Promise.all(devices.map((d) => mqtt.connectAsync(c.url, { clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: 0 })))
      return { reply: 'connected' }
    case 'closed':
      return { reply: 'done', acked: await closedLoop(c.count, c.window) }
    case 'open':
      return { reply: 'done', acked: await openLoop(c.count, c.ratePerS, c.startAtMs) }
    case 'disconnect':
      await Promise.all(clients.map((client) => client.endAsync()))
      clients = []
      return { reply: 'disconnected' }
  }
}

async function prepare(n: number): Promise<LoadReply> {
  if (n > perDevice) {
    workload ??= await loadWorkload()
    const w = workload
    messages = devices.map((d) => nativeLiveMessages(w, d.id, n))
    perDevice = n
    sentAt = new Float64Array(new SharedArrayBuffer(devices.length * n * Float64Array.BYTES_PER_ELEMENT))
  }
  return {
    reply: 'prepared',
    perDevice,
    sentAt: sentAt.buffer,
    seqs: messages.map((ms) => Int32Array.from(ms, (m) => m.seq)),
    readings: messages.map((ms) => Int32Array.from(ms, (m) => m.readings))
  }
}

function checkCount(count: number): void {
  if (count > perDevice) throw new Error(`${count} messages per device asked for, ${perDevice} prepared`)
}

async function closedLoop(count: number, window: number): Promise<number> {
  checkCount(count)
  let acked = 0
  await Promise.all(
    clients.map(async (client, d) => {
      const ms = messages[d] as LiveMessage[]
      let next = 0
      const lane = async (): Promise<void> => {
        while (next < count) {
          const k = next++
          const m = ms[k] as LiveMessage
          sentAt[d * perDevice + k] = epochMs()
          await client.publishAsync(m.topic, m.payload, { qos: 1 })
          acked++
        }
      }
      await Promise.all(Array.from({ length: window }, lane))
    })
  )
  return acked
}

function openLoop(count: number, ratePerS: number, startAtMs: number): Promise<number> {
  checkCount(count)
  const intervalMs = 1000 / ratePerS
  const total = count * clients.length
  const next = clients.map(() => 0)
  let acked = 0
  return new Promise((resolve, reject) => {
    const onAck = (err?: Error | null): void => {
      if (err) {
        clearInterval(timer)
        reject(err)
        return
      }
      if (++acked === total) resolve(acked)
    }
    const tick = (): void => {
      const now = epochMs()
      let pending = false
      clients.forEach((client, d) => {
        // Devices spread evenly over one interval, so that they do not all send at the same instant.
        const offsetMs = (d / clients.length) * intervalMs
        const ms = messages[d] as LiveMessage[]
        let k = next[d] as number
        for (; k < count; k++) {
          const dueMs = startAtMs + offsetMs + k * intervalMs
          if (dueMs > now) break
          const m = ms[k] as LiveMessage
          sentAt[d * perDevice + k] = dueMs
          client.publish(m.topic, m.payload, { qos: 1 }, onAck)
        }
        next[d] = k
        if (k < count) pending = true
      })
      if (!pending) clearInterval(timer)
    }
    const timer = setInterval(tick, TICK_MS)
  })
}

port.on('message', (c: LoadCommand) => {
  handle(c).then(
    (r) => port.postMessage(r),
    (err: unknown) => port.postMessage({ reply: 'error', message: err instanceof Error ? err.message : String(err) } satisfies LoadReply)
  )
})
