import { connect, type Socket } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { topics } from '../../domain/index.js'
import { DEVICES, startTestBroker, type TestBroker } from './harness.js'

/**
 * The admission gate and QoS 2 (review finding, issue 4): Aedes authorizes every QoS 2 PUBLISH,
 * DUP resends included, but delivers a message id only once, so a gated QoS 2 uplink took room it
 * never gave back. Raw packets, because MQTT.js resends a DUP only after a reconnect.
 */
let t: TestBroker
let socket: Socket | undefined
afterEach(async () => {
  socket?.destroy()
  socket = undefined
  await t.close()
})

const reading = (sensor: string, type: string, fields: Record<string, number>): string =>
  JSON.stringify({ v: 1, seq: 1, readings: [{ sensor, type, ts: '2026-07-27T10:00:00Z', fields }] })

test('QoS 2 resends of one message take no room at the gate: another device is still acknowledged', async () => {
  t = await startTestBroker({ uplinkWindow: 3 })
  const d = DEVICES.native
  socket = connect(t.broker.mqttPort, '127.0.0.1')
  const packets = mqttReader(socket)
  socket.write(connectPacket(d.id, d.id, d.secret))
  expect(await packets.next()).toEqual({ type: 2, body: Buffer.from([0, 0]) }) // CONNACK, accepted

  const payload = reading('YL1', 'rain', { intervalMm: 2.4 })
  for (let i = 0; i < 4; i++) {
    socket.write(publishQos2(topics.nativeData(d.id), payload, 7, i > 0))
    // PUBREC for message id 7, also for each resend [MQTT-4.3.3-2]; no PUBREL follows.
    expect(await packets.next()).toEqual({ type: 5, body: Buffer.from([0, 7]) })
  }

  const other = await t.device('other')
  await other.publishAsync(topics.nativeData(DEVICES.other.id), reading('LF1', 'crack', { openingMm: 1 }), { qos: 1 })
  expect(t.broker.stats().uplinks).toMatchObject({ inBroker: 0, waiting: 0, delayed: 0 })
})

/** MQTT 3.1.1 §2.2.3: the remaining length, 7 bits a byte, low first. */
function remainingLength(n: number): Buffer {
  const bytes: number[] = []
  do {
    const b = n % 128
    n = Math.floor(n / 128)
    bytes.push(n > 0 ? b | 0x80 : b)
  } while (n > 0)
  return Buffer.from(bytes)
}

/** §1.5.3: a two-byte length, then UTF-8. */
function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8')
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body])
}

/** §3.1: protocol level 4, flags username + password + clean session, keep-alive 60 s. */
function connectPacket(clientId: string, username: string, password: string): Buffer {
  return packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 60]), str(clientId), str(username), str(password)]))
}

/** §3.3: QoS 2 (bits 2-1 = 10), DUP in bit 3 for a resend. */
function publishQos2(topic: string, payload: string, messageId: number, dup: boolean): Buffer {
  const body = Buffer.concat([str(topic), Buffer.from([messageId >> 8, messageId & 0xff]), Buffer.from(payload, 'utf8')])
  return packet(0x30 | (dup ? 0x08 : 0) | 0x04, body)
}

/** The packets the broker sends, one at a time: the type (high nibble of byte 1) and the body. */
function mqttReader(socket: Socket): { next(): Promise<{ type: number; body: Buffer }> } {
  let buffered = Buffer.alloc(0)
  let wake: (() => void) | undefined
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    wake?.()
  })
  const parse = (): { type: number; body: Buffer } | undefined => {
    let length = 0
    let multiplier = 1
    for (let i = 1; i < buffered.length && i <= 4; i++) {
      const b = buffered[i] as number
      length += (b & 0x7f) * multiplier
      multiplier *= 128
      if ((b & 0x80) !== 0) continue
      if (buffered.length < i + 1 + length) return undefined
      const type = (buffered[0] as number) >> 4
      const body = buffered.subarray(i + 1, i + 1 + length)
      buffered = buffered.subarray(i + 1 + length)
      return { type, body }
    }
    return undefined
  }
  return {
    next: () =>
      new Promise((resolve, reject) => {
        const attempt = (): void => {
          const p = parse()
          if (p === undefined) return
          wake = undefined
          socket.off('close', onClose)
          resolve(p)
        }
        const onClose = (): void => reject(new Error('broker closed the connection'))
        wake = attempt
        socket.once('close', onClose)
        attempt()
      })
  }
}
