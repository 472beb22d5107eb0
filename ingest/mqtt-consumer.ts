import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'

export interface ConsumerOptions {
  mqttUrl: string
  mqttUsername: string
  mqttPassword: string
  clientId: string
  filters: readonly string[]
  keepaliveS: number
}

export interface ConsumerHandlers {
  /** Called once per message, in arrival order. `ack` sends its PUBACK (QoS 1) when called. */
  onMessage(topic: string, payload: Buffer, ack: () => void): void
  /** True when too many messages wait for their write: stop reading until this one is acked. */
  isFull(): boolean
}

export interface Consumer {
  readonly connected: boolean
  close(): Promise<void>
}

/**
 * Releases MQTT.js's packet pump without sending a PUBACK: mqtt@5.16
 * build/lib/handlers/publish.js:111-116 runs `client.handleMessage(packet, (err) => { if (err)
 * return done(err); client._sendPacket({ cmd: 'puback', … }, done) })`, and `done` (client.js:350,
 * `nextTickWork`) ignores its argument, so an error emits nothing and only moves on to the next packet.
 */
const DEFERRED = new Error('PUBACK deferred until the batch is written')

/** The one private member we use: the same call publish.js:115 makes to send a PUBACK. */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb: () => void): void
}

/**
 * How acknowledgement and backpressure work in MQTT.js 5 (read in build/lib/client.js `connect()`):
 * the socket is piped into a Writable whose `_write` parses the chunk and handles its packets one at
 * a time; the next packet, and the next chunk, wait for the handler's `done`. For a QoS 1 PUBLISH,
 * `done` runs only after `handleMessage`'s callback and the PUBACK it sends (publish.js:111-116).
 * Holding that callback therefore holds the PUBACK *and* stops reading the socket (TCP backpressure
 * up to the broker), one message at a time, which rules out batching.
 *
 * So: while fewer than the window of messages wait, `handleMessage` releases the pump at once with
 * an error (no PUBACK) and the PUBACK is sent later, after the write, with `_sendPacket`. When the
 * window is full, the message's callback itself is held: the pump stops, nothing more is read
 * until that message (the newest) is written, and its callback sends its PUBACK and resumes the
 * pump. Caveat (MQTT.js issue #1935): a pump held for 1.5 × keepalive also holds the PINGRESP, so
 * the client times out and reconnects; the broker then redelivers what was not acknowledged.
 *
 * A PUBACK is only sent on the connection the PUBLISH arrived on. After a reconnect the broker
 * redelivers unacknowledged messages with their old message ids (aedes lib/qos-packet.js), and the
 * copy is acknowledged on its own; acknowledging the stale one too could free an id the broker has
 * already reused for a new message.
 */
export async function connectConsumer(opts: ConsumerOptions, handlers: ConsumerHandlers, log: Logger): Promise<Consumer> {
  const clientOpts: IClientOptions = {
    clientId: opts.clientId,
    username: opts.mqttUsername,
    password: opts.mqttPassword,
    // A persistent session: the broker keeps our subscription and the unacknowledged QoS 1
    // messages across an ingest restart.
    clean: false,
    keepalive: opts.keepaliveS,
    reconnectPeriod: 1000,
    // handleMessage must be in place before the first packet: with a resumed session the broker
    // sends its queue right after CONNACK. `connectAsync` would connect inside the constructor.
    manualConnect: true
  }
  const client: MqttClient = mqtt.connect(opts.mqttUrl, clientOpts)
  const sender = client as unknown as PacketSender

  client.handleMessage = (packet: IPublishPacket, callback: (err?: Error) => void): void => {
    const topic = packet.topic
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)
    if (packet.qos === 0 || packet.messageId === undefined) {
      handlers.onMessage(topic, payload, () => undefined)
      callback()
      return
    }
    const messageId = packet.messageId
    const stream = client.stream
    const sameConnection = (): boolean => client.connected && client.stream === stream
    if (handlers.isFull()) {
      handlers.onMessage(topic, payload, () => (sameConnection() ? callback() : callback(DEFERRED)))
      return
    }
    handlers.onMessage(topic, payload, () => {
      if (sameConnection()) sender._sendPacket({ cmd: 'puback', messageId }, () => undefined)
    })
    callback(DEFERRED)
  }

  client.on('error', (err) => log.warn({ err }, 'mqtt client error'))
  client.on('offline', () => log.warn('mqtt offline; reconnecting'))
  client.on('connect', (connack) => log.info({ sessionPresent: connack.sessionPresent }, 'mqtt connected'))

  await new Promise<void>((resolve, reject) => {
    const onConnect = (): void => {
      client.off('error', onError)
      resolve()
    }
    const onError = (err: Error): void => {
      client.off('connect', onConnect)
      client.end(true)
      reject(err)
    }
    client.once('connect', onConnect)
    client.once('error', onError)
    client.connect()
  })

  const grants = await client.subscribeAsync([...opts.filters], { qos: 1 })
  const refused = grants.filter((g) => g.qos === 128)
  if (refused.length > 0) {
    await client.endAsync(true)
    throw new Error(`subscription refused by the broker: ${refused.map((g) => g.topic).join(', ')}`)
  }
  log.info({ filters: opts.filters, clientId: opts.clientId }, 'subscribed')

  return {
    get connected() {
      return client.connected
    },
    async close() {
      await client.endAsync()
    }
  }
}
