import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'

/** Debian's `mosquitto` package (2.0): the second broker baseline of the pipeline benchmark. */
export const MOSQUITTO_PATH = '/usr/sbin/mosquitto'

export const haveMosquitto = (): boolean => existsSync(MOSQUITTO_PATH)

export interface MosquittoServer {
  url: string
  close(): Promise<void>
}

const READY_TIMEOUT_MS = 10_000
const STOP_GRACE_MS = 5_000

/**
 * A throwaway mosquitto on a free 127.0.0.1 port with a generated config: anonymous, no
 * persistence, TCP_NODELAY as our broker has it, and no cap on the messages it queues for a
 * subscriber (its default of 1,000 would drop QoS 1 messages under a burst, which no other rig
 * does). Its other defaults stay, among them 20 QoS 1 messages in flight per subscriber.
 */
export async function startMosquitto(): Promise<MosquittoServer> {
  const dir = await mkdtemp(join(tmpdir(), 'geowarn-mosquitto-'))
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  await writeFile(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'set_tcp_nodelay true', 'max_queued_messages 0', `log_dest file ${join(dir, 'mosquitto.log')}`, ''].join('\n')
  )
  const child = spawn(MOSQUITTO_PATH, ['-c', conf], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } })
  const exited = once(child, 'exit')
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await stop(child, exited)
      await rm(dir, { recursive: true, force: true })
    })())
  try {
    await accepting(port, child)
  } catch (err) {
    await close()
    throw err
  }
  return { url: `mqtt://127.0.0.1:${port}`, close }
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
  try {
    await exited
  } finally {
    clearTimeout(grace)
  }
}

/** Resolves once the port takes a TCP connection; rejects if mosquitto exits or is not up in time. */
async function accepting(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode} before listening on ${port}`)
    if (await tryConnect(port)) return
    await delay(20)
  }
  throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms`)
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
